"""The demo page's data (demo/src/gradebook.js): students { id, name, class } and scores
{ id, studentId, assessment, score? }, each a JSON document keyed by the page's ids."""
from django.db import models


class DemoStudent(models.Model):
    id = models.CharField(max_length=256, primary_key=True)
    data = models.JSONField(default=dict, blank=True)


class DemoScore(models.Model):
    id = models.CharField(max_length=256, primary_key=True)
    data = models.JSONField(default=dict, blank=True)
