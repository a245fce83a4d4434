"""The sync state syncore keeps beside the app's own tables: the change log and its head, one
version row per entity, the answers given per idempotency key, the owner of each client id, and
access tokens (a token may expire)."""
import secrets

from django.conf import settings
from django.db import models


class LogHead(models.Model):
    """One row: the last cursor handed out. Each change takes the next one under a row lock, so
    cursors are assigned in commit order (a sequence could commit 11 before 10 and a catch-up
    reading in between would skip 10 for good)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    cursor = models.BigIntegerField(default=0)


class EntityVersion(models.Model):
    """The version of one entity (deleted ones keep their row: a later write conflicts)."""

    collection = models.CharField(max_length=200)
    entity_id = models.CharField(max_length=256)
    version = models.BigIntegerField()
    deleted = models.BooleanField(default=False)
    last_cursor = models.BigIntegerField(db_index=True)
    audience = models.JSONField(default=list)  # who may read it now (channel group names)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection", "entity_id"], name="syncore_entity_unique")]


class Change(models.Model):
    """The change log. `audience`: the channel groups that may read the entity after the change;
    `previous_audience`: before it (a reader in the one and not the other gets a removal)."""

    cursor = models.BigIntegerField(primary_key=True)
    collection = models.CharField(max_length=200)
    entity_id = models.CharField(max_length=256)
    version = models.BigIntegerField()
    op = models.CharField(max_length=8)  # "upsert" | "delete"
    kind = models.CharField(max_length=8)  # "create" | "update" | "delete" (the live message)
    data = models.JSONField(null=True)
    origin = models.CharField(max_length=300, null=True)
    ts = models.JSONField(null=True)
    audience = models.JSONField(default=list)
    previous_audience = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class IdempotencyAnswer(models.Model):
    """The final answer given to a pushed key (`ok` or a `validation` refusal)."""

    key = models.CharField(max_length=500, primary_key=True)
    user_id = models.CharField(max_length=200)
    collection = models.CharField(max_length=200, null=True)
    answer = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)


class ClientBinding(models.Model):
    """A client id belongs to the first user that says hello with it."""

    client_id = models.CharField(max_length=200, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)


def new_token_key():
    return secrets.token_urlsafe(32)


class AccessToken(models.Model):
    """A bearer token for `hello` (and the REST views). Django REST framework's authtoken tokens
    are accepted too when that app is installed; these add an expiry."""

    key = models.CharField(max_length=64, primary_key=True, default=new_token_key)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="syncore_tokens")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
