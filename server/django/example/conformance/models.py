"""The conformance suite's contract (tests/conformance): three schemaless collections."""
from django.db import models


class Document(models.Model):
    id = models.CharField(max_length=256, primary_key=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class ConfItem(Document):
    pass


class ConfSecret(Document):
    pass


class ConfPrivate(Document):
    pass
