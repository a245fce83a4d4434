"""REST views over the same collections: /api/<collection>/ (POST) and /api/<collection>/<id>/
(GET, PUT, PATCH, DELETE). Writes go through the same path as a WebSocket push, so they are
versioned, logged and fanned out, and:

- `Idempotency-Key: <text>` makes a write exactly-once: the same key again (same user) gets the
  stored answer, never a second application (seed 000's OfflineManager retries up to 3 times);
- `If-Match: "<version>"` is the push's baseVersion: a stale one is 412 with the current entity.
  Without it a write applies to whatever version is there (seed 000's PUT sends none);
- PUT is seed 000's full object (fields it leaves out are cleared); PATCH is a JSON merge patch.

Status codes: ok 200 (201 for a create), conflict 412 (404 when the entity is missing and no
If-Match was sent), validation 422, forbidden 403, auth (no or expired token) 401, transient 503.
`ETag` carries the version."""
import json
import uuid

from django.db import transaction
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from .auth import authenticate_request, user_groups
from .models import EntityVersion
from .registry import registry
from .store import Reader, apply_mutation

STATUS = {"validation": 422, "forbidden": 403, "auth": 401, "transient": 503}


def _error(status, message):
    return JsonResponse({"error": message}, status=status)


def _reader(request):
    """(Reader, None) or (None, an error response). Session users pass the CSRF check."""
    granted = authenticate_request(request)
    if granted is None:
        return None, _error(401, "a token (Authorization: Token <key>) or a session is needed")
    user, expires_at = granted
    if "HTTP_AUTHORIZATION" not in request.META:
        refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if refused is not None:
            return None, refused
    return Reader(user=user, groups=user_groups(user), expires_at=expires_at), None


def _if_match(request):
    value = request.META.get("HTTP_IF_MATCH")
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    try:
        return int(value.strip('"'))
    except ValueError:
        return "bad"


def _body(request):
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _answer(result, created=False, missing_is_404=False):
    status = result["status"]
    if status == "ok":
        body = result.get("data") if "data" in result else {"id": result["id"], "deleted": True}
        response = JsonResponse(body or {}, status=201 if created else 200)
        response["ETag"] = f'"{result["version"]}"'
        return response
    if status == "conflict":
        if missing_is_404 and result.get("version") == 0:
            return _error(404, "no such entity")
        response = JsonResponse({"error": "conflict", "version": result["version"], "data": result.get("data")}, status=412)
        response["ETag"] = f'"{result["version"]}"'
        return response
    return _error(STATUS.get(result.get("class"), 400), result.get("message", "refused"))


def _key(request, reader):
    given = request.META.get("HTTP_IDEMPOTENCY_KEY")
    # The user is part of the key: two users' keys never meet (a key is also checked per user).
    return f"rest-{reader.user_id}:{given if given else uuid.uuid4().hex}"


@csrf_exempt
def collection_view(request, collection):
    c = registry.get(collection)
    if c is None:
        return _error(404, f"no collection named {collection}")
    if request.method != "POST":
        return _error(405, "POST here; GET / PUT / PATCH / DELETE on /api/<collection>/<id>/")
    reader, refused = _reader(request)
    if refused:
        return refused
    data = _body(request)
    if data is None:
        return _error(400, "the body is the entity: a JSON object")
    m = {"key": _key(request, reader), "collection": collection, "id": data.get("id"), "kind": "create", "data": data, "baseVersion": -1}
    return _answer(apply_mutation(reader, m), created=True)


@csrf_exempt
def entity_view(request, collection, entity_id):
    c = registry.get(collection)
    if c is None:
        return _error(404, f"no collection named {collection}")
    reader, refused = _reader(request)
    if refused:
        return refused
    try:
        pk = c.to_pk(entity_id)
    except ValueError as e:
        return _error(404, str(e))
    wire_id = c.wire_id(pk)
    if request.method == "GET":
        obj = c.get(pk)
        ev = EntityVersion.objects.filter(collection=c.name, entity_id=str(pk)).first()
        if obj is None or not reader.may_read(ev.audience if ev else c.audience(obj)):
            return _error(404, "no such entity")
        response = JsonResponse(c.entity(obj))
        response["ETag"] = f'"{ev.version if ev else 0}"'
        return response
    if request.method not in ("PUT", "PATCH", "DELETE"):
        return _error(405, "GET, PUT, PATCH or DELETE")
    base = _if_match(request)
    if base == "bad":
        return _error(400, 'If-Match is the entity version: "3"')
    data = None
    if request.method != "DELETE":
        data = _body(request)
        if data is None:
            return _error(400, "the body is a JSON object")
    with transaction.atomic():
        # Without If-Match the write applies to the current version (seed 000's PUT: last write wins).
        ev = EntityVersion.objects.filter(collection=c.name, entity_id=str(pk)).first()
        current_version = ev.version if ev else 0
        if request.method == "PUT":
            obj = c.get(pk)
            current = c.entity(obj) if obj is not None else {}
            # The full object: what it leaves out is removed (a merge patch with null for those).
            patch = {k: None for k in current if k != "id" and k not in data}
            patch.update({k: v for k, v in data.items() if k != "id"})
            data = patch
        m = {
            "key": _key(request, reader),
            "collection": collection,
            "id": wire_id,
            "kind": "delete" if request.method == "DELETE" else "update",
            "data": data,
            "baseVersion": current_version if base is None else base,
        }
        result = apply_mutation(reader, m)
    return _answer(result, missing_is_404=base is None)
