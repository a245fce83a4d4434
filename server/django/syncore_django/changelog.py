"""Every write to a registered model, wherever it comes from (a push, the REST views, the admin,
a management command), lands here through post_save / post_delete: the entity's version goes up,
the change is appended to the log under the next cursor, and once the transaction commits it is
sent to the channel groups that may read it (and to those that could before: a removal).

A push sets the write's origin (its idempotency key) and ts through `writing(...)`; other writes
have origin null."""
import threading
import uuid
from contextlib import contextmanager

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from .models import Change, EntityVersion, LogHead
from .registry import EVERYONE, registry

GROUP_PREFIX = "syncore."
_local = threading.local()


def channel_group(name):
    """The channel-layer group of a syncore group name (prefixed: the app's own consumers may use
    the bare names for their own messages)."""
    return GROUP_PREFIX + name


@contextmanager
def writing(origin=None, ts=None):
    """Within it, ORM writes are logged with this origin and ts; `.changes` lists what they logged."""
    ctx = type("WriteContext", (), {})()
    ctx.origin, ctx.ts, ctx.changes = origin, ts, []
    previous = getattr(_local, "ctx", None)
    _local.ctx = ctx
    try:
        yield ctx
    finally:
        _local.ctx = previous


def lock_log():
    """Takes the log's write lock first thing in a transaction (the LogHead row; on SQLite this
    write makes the transaction a writer at once, so two writers queue instead of deadlocking)."""
    LogHead.objects.filter(id=1).update(cursor=F("cursor"))


def next_cursor():
    head = LogHead.objects.select_for_update().filter(id=1).first()
    if head is None:  # a flushed database (tests): start after whatever the log holds
        last = Change.objects.order_by("-cursor").values_list("cursor", flat=True).first() or 0
        head, _ = LogHead.objects.get_or_create(id=1, defaults={"cursor": last})
        head = LogHead.objects.select_for_update().get(id=1)
    head.cursor += 1
    head.save(update_fields=["cursor"])
    return head.cursor


def current_cursor():
    return LogHead.objects.filter(id=1).values_list("cursor", flat=True).first() or 0


def record(collection, obj, op, created=False):
    """Logs one write of `obj` to `collection` (op "upsert" or "delete") and schedules its fan-out."""
    ctx = getattr(_local, "ctx", None)
    entity_id = str(obj.pk)
    with transaction.atomic():
        cursor = next_cursor()
        ev = EntityVersion.objects.select_for_update().filter(collection=collection.name, entity_id=entity_id).first()
        previous = ev.audience if ev and not ev.deleted else None
        version = (ev.version if ev else 0) + 1
        if op == "delete":
            kind, data, audience = "delete", None, previous or []
        else:
            kind = "create" if created or ev is None or ev.deleted else "update"
            data, audience = collection.entity(obj), collection.audience(obj)
        if ev is None:
            ev = EntityVersion(collection=collection.name, entity_id=entity_id)
        ev.version, ev.deleted, ev.last_cursor, ev.audience = version, op == "delete", cursor, audience
        ev.save()
        change = Change.objects.create(
            cursor=cursor,
            collection=collection.name,
            entity_id=entity_id,
            version=version,
            op=op,
            kind=kind,
            data=data,
            origin=ctx.origin if ctx else None,
            ts=ctx.ts if ctx else None,
            audience=audience,
            previous_audience=previous,
        )
        event = change_event(change, collection.wire_id(obj.pk))
        if ctx:
            ctx.changes.append(event)
        transaction.on_commit(lambda: fan_out(event))
    return event


def wire_change(change, wire_id):
    """A log row as catch-up sends it."""
    out = {"op": change.op, "collection": change.collection, "id": wire_id, "version": change.version, "cursor": change.cursor}
    if change.op != "delete":
        out["data"] = change.data
    out["origin"] = change.origin
    if change.ts is not None:
        out["ts"] = change.ts
    return out


def change_event(change, wire_id):
    """The channel-layer message for a change (consumers turn it into entity_* per connection)."""
    return {
        "type": "syncore.change",
        "change": wire_change(change, wire_id),
        "kind": change.kind,
        "audience": list(change.audience or []),
        "previous": change.previous_audience,
    }


def changes_between(after, upto):
    """The change events with after < cursor <= upto, in cursor order (a consumer's gap)."""
    out = []
    for change in Change.objects.filter(cursor__gt=after, cursor__lte=upto).order_by("cursor"):
        collection = registry.get(change.collection)
        wire_id = collection.wire_id(collection.to_pk(change.entity_id)) if collection else change.entity_id
        out.append(change_event(change, wire_id))
    return out


def fan_out(event):
    layer = get_channel_layer()
    if layer is None:
        return
    groups = set(event["audience"]) | set(event["previous"] or [])
    send = async_to_sync(layer.group_send)
    for group in sorted(groups):
        send(channel_group(group), event)


def on_save(sender, instance, created, raw=False, **kwargs):
    collection = registry.for_model(sender)
    if collection is None or raw:  # raw: loaddata, the fixture's rows are not changes
        return
    record(collection, instance, "upsert", created=created)


def on_delete(sender, instance, **kwargs):
    collection = registry.for_model(sender)
    if collection is None:
        return
    record(collection, instance, "delete")


def notify(payload, groups=(EVERYONE,)):
    """Sends {"type": "notification", ...payload} to the connections reading through `groups`
    (seed 000's notification_received; call it from any view, task or command)."""
    layer = get_channel_layer()
    send = async_to_sync(layer.group_send)
    event = {"type": "syncore.notification", "nid": uuid.uuid4().hex, "payload": dict(payload)}
    for group in groups:
        send(channel_group(group), event)
