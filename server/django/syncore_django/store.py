"""Pushed mutations and catch-up, on the app's own models (docs/protocol.md, "Writing a back end").

Each mutation is one database transaction: 1. a known key gets its stored answer; 2. permission
(-> forbidden), validation (-> validation, stored); 3. the version check (-> conflict); 4. the ORM
write, whose post_save / post_delete logs the change (changelog.py), and the answer stored. The
fan-out happens when the transaction commits."""
from dataclasses import dataclass, field
from typing import Optional

from django.db import transaction

from . import conf
from .changelog import current_cursor, lock_log, wire_change, writing
from .models import Change, EntityVersion, IdempotencyAnswer
from .registry import registry
from .wire import is_temporary, limit_error, shape_error


@dataclass
class Reader:
    """Who is asking: the Django user, their groups, their token's expiry, their client id."""

    user: object
    groups: frozenset
    client_id: Optional[str] = None
    expires_at: Optional[float] = None  # epoch seconds
    subs: object = None  # consumer.Subscriptions, or None: everything readable

    @property
    def user_id(self):
        return str(self.user.pk)

    def may_read(self, audience):
        return bool(self.groups.intersection(audience or ()))


def refuse(key, cls, message):
    return {"key": key, "status": "error", "class": cls, "message": message}


def present(reader, answer, audience):
    """What the asker is shown of an answer: no data of a row it may not read."""
    if "data" in answer and answer.get("data") is not None and not reader.may_read(audience):
        answer = {k: v for k, v in answer.items() if k != "data"}
    return answer


def _store(key, reader, collection, answer):
    IdempotencyAnswer.objects.create(key=key, user_id=reader.user_id, collection=collection, answer=answer)
    return answer


def apply_mutation(reader, m, now=None):
    """One pushed mutation (already known to be an object whose key is this client's) -> its answer."""
    import time

    key = m["key"]
    with transaction.atomic():
        lock_log()
        stored = IdempotencyAnswer.objects.filter(key=key).first()
        if stored:
            if stored.user_id != reader.user_id:
                return refuse(key, "forbidden", f"key {key} was used by another user")
            ev = EntityVersion.objects.filter(collection=stored.collection, entity_id=str(stored.answer.get("id"))).first()
            return present(reader, stored.answer, ev.audience if ev else [])
        if reader.expires_at is not None and (now or time.time()) >= reader.expires_at:
            return refuse(key, "auth", "token expired")
        err = shape_error(m)
        c_name = m.get("collection") if isinstance(m.get("collection"), str) else None
        if err:
            return _store(key, reader, c_name, refuse(key, "validation", err))
        collection = registry.get(m["collection"])
        if collection is None:
            return _store(key, reader, c_name, refuse(key, "validation", f"no collection named {m['collection']}"))
        kind = m["kind"]
        temporary = kind == "create" and is_temporary(m.get("id"))
        try:
            pk = None if temporary else collection.to_pk(m["id"])
        except ValueError as e:
            return _store(key, reader, c_name, refuse(key, "validation", str(e)))
        obj = collection.get(pk) if pk is not None else None
        ev = EntityVersion.objects.filter(collection=collection.name, entity_id=str(pk)).first() if pk is not None else None
        current = collection.entity(obj) if obj is not None else None
        if not collection.may_write(reader.user, kind, obj, m.get("data")):
            return refuse(key, "forbidden", f"user {reader.user_id} may not {kind} in {collection.name}")
        err = limit_error(m, current, conf.get("MAX_DEPTH"), conf.get("MAX_ENTITY_BYTES"))
        if not err and kind != "delete":
            unknown = collection.unknown_fields(m["data"])
            if unknown:
                err = f"{collection.name} has no field {', '.join(sorted(unknown))}"
        if not err and collection.validate:
            err = collection.validate(reader.user, kind, obj, m.get("data"))
        if err:
            return _store(key, reader, collection.name, refuse(key, "validation", str(err)))
        # 3. the version check
        version = ev.version if ev else 0
        if kind == "create":
            if obj is not None:
                return present(reader, {"key": key, "status": "conflict", "version": version, "data": current}, ev.audience if ev else [])
        elif obj is None:
            return {"key": key, "status": "conflict", "version": version if ev else 0, "data": None}
        elif m["baseVersion"] != version:
            return present(reader, {"key": key, "status": "conflict", "version": version, "data": current}, ev.audience if ev else [])
        # 4. apply through the ORM: post_save / post_delete log the change with this origin
        with writing(origin=key, ts=m.get("ts")) as w:
            try:
                with transaction.atomic():
                    if kind == "delete":
                        obj.delete()
                    else:
                        entity = dict(m["data"]) if kind == "create" else _patched(current, m["data"])
                        if kind == "create":
                            obj = collection.model(pk=pk if pk is not None else collection.new_pk())
                        collection.assign(obj, entity, creating=kind == "create")
                        obj.full_clean(validate_unique=False)
                        obj.save()
            except Exception as e:  # the model refused it (full_clean, a database constraint)
                from django.core.exceptions import ValidationError
                from django.db import DatabaseError

                if isinstance(e, ValidationError):
                    return _store(key, reader, collection.name, refuse(key, "validation", "; ".join(e.messages)))
                if isinstance(e, DatabaseError) and not _transient(e):
                    return _store(key, reader, collection.name, refuse(key, "validation", f"refused by the database: {e}"))
                raise
        event = w.changes[-1]
        change = event["change"]
        answer = {"key": key, "status": "ok", "id": change["id"], "version": change["version"]}
        if kind != "delete":
            answer["data"] = change["data"]
        _store(key, reader, collection.name, answer)
        return present(reader, answer, event["audience"])


def _patched(current, patch):
    from .wire import merge_patch

    out = merge_patch(current, patch)
    out["id"] = current["id"]  # the id is not the patch's to change
    return out


def _transient(err):
    from django.db import OperationalError

    return isinstance(err, OperationalError)


# ---- catch-up ----


def catch_up(reader, since, limit, budget_bytes):
    """Changes after `since` this reader may see: the latest of each entity (compacted), in cursor
    order, at most `limit` of them and about `budget_bytes` of JSON. Row level: an entity the
    reader may not read is left out from cursor 0, and removed (a delete without data) from a
    later cursor: the server cannot know whether the client holds it.
    Returns (changes, cursor, more)."""
    import json

    head = current_cursor()
    wanted = [n for n in registry.names() if reader.subs is None or reader.subs.wants_any_of(n)]
    rows = EntityVersion.objects.filter(last_cursor__gt=since, collection__in=wanted).order_by("last_cursor")
    out, size, last, more = [], 0, since, False
    batch = []

    def flush(batch):
        nonlocal size, last, more
        changes = Change.objects.in_bulk([ev.last_cursor for ev in batch])
        for ev in batch:
            change = changes.get(ev.last_cursor)
            if change is None:
                continue
            view = _catch_up_view(reader, ev, change, since)
            if view is None:
                continue
            if len(out) >= limit:
                more = True
                return False
            text = json.dumps(view, separators=(",", ":"))
            if out and size + len(text) + 1 > budget_bytes - 100:
                more = True
                return False
            out.append(view)
            size += len(text) + 1
            last = change.cursor
        return True

    for ev in rows.iterator(chunk_size=500):
        batch.append(ev)
        if len(batch) >= 500:
            if not flush(batch):
                break
            batch = []
    else:
        flush(batch)
    if more:
        return out, last, True
    return out, max(since, head), False


def _catch_up_view(reader, ev, change, since):
    collection = registry.get(ev.collection)
    wire_id = collection.wire_id(collection.to_pk(ev.entity_id)) if collection else ev.entity_id
    if reader.subs is not None and not reader.subs.wants_entity(ev.collection, wire_id):
        return None
    if since == 0 and change.op == "delete":
        return None  # a new client holds nothing to delete
    if reader.may_read(change.audience):
        return wire_change(change, wire_id)
    if since == 0:
        return None
    # A removal: the id and version of an entity the reader may not read, nothing of the write.
    return {"op": "delete", "collection": change.collection, "id": wire_id, "version": change.version, "origin": None, "cursor": change.cursor}


def removals_after_regrant(reader, old_groups):
    """entity_deleted (origin null, no data) for every entity the reader's old groups could read
    and its new ones cannot, among what it subscribed to."""
    out = []
    rows = EntityVersion.objects.filter(deleted=False, collection__in=registry.names()).order_by("last_cursor")
    for ev in rows.iterator():
        audience = set(ev.audience or ())
        if not audience & set(old_groups) or reader.may_read(audience):
            continue
        collection = registry.get(ev.collection)
        wire_id = collection.wire_id(collection.to_pk(ev.entity_id))
        if reader.subs is not None and not reader.subs.wants_entity(ev.collection, wire_id):
            continue
        out.append({"type": "entity_deleted", "collection": ev.collection, "id": wire_id, "version": ev.version, "origin": None})
    return out
