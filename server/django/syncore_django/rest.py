"""REST views over the same collections, as docs/protocol.md "REST endpoints" has them:

    POST   /api/<c>/            create (an id not starting with tmp- is kept)  201 + entity, ETag, Location
    PUT    /api/<c>/<id>/       the full object (seed 000's PUT; a missing id is created); with
                                Content-Type application/merge-patch+json: a merge patch
    PATCH  /api/<c>/<id>/       JSON merge patch                              200 + entity, ETag
    DELETE /api/<c>/<id>/                                                     200 { id, version }
    GET    /api/<c>/<id>/       the entity if the user may read it            200 + ETag, or 404
    GET    /api/<c>/?cursor=N&limit=M   changes after N, as sync_response     { changes, cursor, more }

Writes go through the same path as a WebSocket push (versioned, logged, fanned out).
`Idempotency-Key` makes a write exactly-once (seed 000's OfflineManager retries 3 times): the same
key again gets the stored answer; a `<clientId>:<n>` key shares the client-id binding of WebSocket
clients (another user's is 403). `If-Match: "<version>"` is the base version: 412 with
{ message, version, current } when it differs; without it the write applies to the current
version. Errors: 401 auth, 403 forbidden, 409 conflict (create of a taken id, or a missing entity
without If-Match), 413 over the frame limit, 422 validation, 503 transient."""
import json
import uuid

from django.db import transaction
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from . import conf
from .auth import authenticate_request, user_groups
from .models import ClientBinding, EntityVersion
from .registry import registry
from .store import Reader, apply_mutation, catch_up
from .subscriptions import Subscriptions

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


def _answer(request, result, collection, created=False, if_match=False):
    status = result["status"]
    if status == "ok":
        if "data" in result:
            body = result["data"] or {}
        else:  # a delete, or a row the write put out of the author's reach
            body = {"id": result["id"], "version": result["version"]}
        response = JsonResponse(body, status=201 if created else 200)
        response["ETag"] = f'"{result["version"]}"'
        if created:
            from django.urls import reverse

            response["Location"] = reverse("syncore-entity", args=[collection, str(result["id"])])
        return response
    if status == "conflict":
        body = {"message": "conflict", "version": result["version"], "current": result.get("data")}
        response = JsonResponse(body, status=412 if if_match else 409)
        response["ETag"] = f'"{result["version"]}"'
        return response
    return _error(STATUS.get(result.get("class"), 400), result.get("message", "refused"))


def _key(request, reader):
    """The idempotency key: a `<clientId>:<n>` key as it is (its client id bound to this user, as
    on the WebSocket), any other text under this user's own prefix; none: a fresh key."""
    given = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if not given:
        return f"rest-{reader.user_id}:{uuid.uuid4().hex}"
    sep = given.rfind(":")
    if 0 < sep < len(given) - 1:
        binding, _ = ClientBinding.objects.get_or_create(client_id=given[:sep], defaults={"user": reader.user})
        if binding.user_id != reader.user.pk:
            return None
        return given
    return f"rest-{reader.user_id}:{given}"


def _too_large(request):
    return len(request.body or b"") > conf.get("MAX_MESSAGE_BYTES")


@csrf_exempt
def collection_view(request, collection):
    c = registry.get(collection)
    if c is None:
        return _error(404, f"no collection named {collection}")
    if request.method not in ("POST", "GET"):
        return _error(405, "GET (changes by cursor) or POST here; GET / PUT / PATCH / DELETE on /api/<collection>/<id>/")
    reader, refused = _reader(request)
    if refused:
        return refused
    if request.method == "GET":
        try:
            cursor = int(request.GET.get("cursor", "0"))
            limit = int(request.GET.get("limit", str(conf.get("DEFAULT_SYNC_LIMIT"))))
        except ValueError:
            return _error(400, "cursor and limit are integers")
        if cursor < 0 or limit < 1:
            return _error(400, "cursor >= 0, limit >= 1")
        reader.subs = Subscriptions([collection])
        changes, cursor, more = catch_up(reader, cursor, min(limit, conf.get("MAX_SYNC_LIMIT")), conf.get("MAX_MESSAGE_BYTES"))
        return JsonResponse({"changes": changes, "cursor": cursor, "more": more})
    if _too_large(request):
        return _error(413, f"over {conf.get('MAX_MESSAGE_BYTES')} bytes")
    data = _body(request)
    if data is None:
        return _error(400, "the body is the entity: a JSON object")
    key = _key(request, reader)
    if key is None:
        return _error(403, "that idempotency key belongs to another user's client")
    m = {"key": key, "collection": collection, "id": data.get("id"), "kind": "create", "data": data, "baseVersion": -1}
    return _answer(request, apply_mutation(reader, m), collection, created=True)


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
    if _too_large(request):
        return _error(413, f"over {conf.get('MAX_MESSAGE_BYTES')} bytes")
    data = None
    if request.method != "DELETE":
        data = _body(request)
        if data is None:
            return _error(400, "the body is a JSON object")
    key = _key(request, reader)
    if key is None:
        return _error(403, "that idempotency key belongs to another user's client")
    merge = request.method == "PATCH" or request.content_type == "application/merge-patch+json"
    kind = "delete" if request.method == "DELETE" else "update"
    with transaction.atomic():
        # Without If-Match the write applies to the current version (seed 000's PUT: last write wins).
        obj = c.get(pk)
        ev = EntityVersion.objects.filter(collection=c.name, entity_id=str(pk)).first()
        current_version = ev.version if ev else 0
        if request.method == "PUT" and not merge:
            if obj is None and base is None:
                kind = "create"  # PUT of a missing id creates it
                data = {**data, "id": wire_id}
            else:
                current = c.entity(obj) if obj is not None else {}
                # The full object: what it leaves out is removed (a merge patch with null for those).
                patch = {k: None for k in current if k != "id" and k not in data}
                patch.update({k: v for k, v in data.items() if k != "id"})
                data = patch
        m = {
            "key": key,
            "collection": collection,
            "id": wire_id,
            "kind": kind,
            "data": data,
            "baseVersion": -1 if kind == "create" else (current_version if base is None else base),
        }
        result = apply_mutation(reader, m)
    return _answer(request, result, collection, created=kind == "create", if_match=base is not None)
