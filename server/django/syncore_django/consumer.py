"""The syncore protocol (docs/protocol.md, version 1) as a Channels consumer.

    # asgi.py
    from syncore_django.consumer import SyncConsumer
    websocket_urlpatterns = [path("sync", SyncConsumer.as_asgi())]

One connection: hello (token -> Django user; within SYNCORE_HELLO_TIMEOUT_MS) -> welcome, then
subscribe / unsubscribe / sync_request / push / heartbeat / auth in any order. Channels hands a
consumer its messages one at a time, so a connection's messages are handled in order. Live
changes come from the channel layer (changelog.fan_out) to the groups the user reads through.
"""
import asyncio
import collections
import json
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import conf
from .auth import user_groups
from .changelog import changes_between, channel_group, current_cursor
from .limits import RateLimiter, parse
from .models import ClientBinding
from .store import Reader, apply_mutation, catch_up, refuse, removals_after_regrant
from .subscriptions import Subscriptions, SubscriptionError
from .wire import deeper_than, is_int

PROTOCOL_VERSIONS = [1]
NEEDS_WELCOME = {"subscribe", "unsubscribe", "sync_request", "push", "heartbeat", "auth"}
LIVE_TYPES = {"create": "entity_created", "update": "entity_updated", "delete": "entity_deleted"}
DENIAL = "websocket.http.response"
# A push's envelope around an entity's data: { mutations: [ { data: … } ] }.
PUSH_ENVELOPE_DEPTH = 3
MAX_CLOCK_DRIFT_MS = 60_000

_connections_by_address = collections.Counter()


class SyncConsumer(AsyncWebsocketConsumer):
    # ---- the socket ----

    async def websocket_connect(self, message):
        self.closed = False
        self.welcomed = self.greeting = self.hello_received = False
        self.frames_before_hello = 0
        self.reader = None
        self.joined = set()
        self.seen = collections.OrderedDict()  # recent notification ids: one per connection
        self.address = None
        self.hello_timer = None
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        if "token" in query or "access_token" in query:
            return await self.deny(400, "the token belongs in the hello message, never in the URL")
        address = (self.scope.get("client") or ["?"])[0]
        if _connections_by_address[address] >= conf.get("MAX_CONNECTIONS_PER_ADDRESS"):
            return await self.deny(429, "too many connections from this address")
        _connections_by_address[address] += 1
        self.address = address
        self.rate = RateLimiter(conf.get("MAX_MESSAGES_PER_SECOND"), now=time.monotonic())
        await self.accept()
        self.hello_timer = asyncio.ensure_future(self.hello_deadline(conf.get("HELLO_TIMEOUT_MS") / 1000))

    async def deny(self, status, text):
        """Refuses the upgrade with an HTTP status where the server can (syncore_django.serve), else 403."""
        self.closed = True
        if DENIAL in (self.scope.get("extensions") or {}):
            await self.base_send({"type": "websocket.http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
            await self.base_send({"type": "websocket.http.response.body", "body": text.encode()})
        else:
            await self.close()

    async def hello_deadline(self, seconds):
        await asyncio.sleep(seconds)
        if not (self.welcomed or self.greeting or self.closed):
            await self.error("bad_message", f"no hello within {int(seconds * 1000)} ms")
            await self.shut(1008)

    async def disconnect(self, code):
        self.closed = True
        if self.hello_timer:
            self.hello_timer.cancel()
        if self.address is not None:
            _connections_by_address[self.address] -= 1
            if _connections_by_address[self.address] <= 0:
                del _connections_by_address[self.address]
            self.address = None
        for group in self.joined:
            await self.channel_layer.group_discard(channel_group(group), self.channel_name)
        self.joined = set()

    async def shut(self, code):
        self.closed = True
        await self.close(code=code)

    async def send_json(self, message):
        if not self.closed:
            await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def error(self, code, message, **extra):
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    # ---- frames in ----

    async def receive(self, text_data=None, bytes_data=None):
        if self.closed:
            return
        size = len(bytes_data) if bytes_data is not None else len(text_data.encode("utf-8", "surrogatepass"))
        if not self.welcomed and not self.hello_received:
            # Before hello only a small hello is expected: anything else costs the server next to nothing.
            self.frames_before_hello += 1
            if size > conf.get("MAX_HELLO_BYTES"):
                await self.error("too_large", f"a frame before hello over {conf.get('MAX_HELLO_BYTES')} bytes", limit=conf.get("MAX_HELLO_BYTES"))
                return await self.shut(1009)
            if self.frames_before_hello > conf.get("MAX_FRAMES_BEFORE_HELLO"):
                await self.error("bad_message", f"more than {conf.get('MAX_FRAMES_BEFORE_HELLO')} messages before hello")
                return await self.shut(1008)
        limit = conf.get("MAX_MESSAGE_BYTES")
        if size > limit:
            await self.error("too_large", f"a frame over {limit} bytes", limit=limit)
            return await self.shut(1009)
        ok, retry_ms, exhausted = self.rate.take(time.monotonic())
        if not ok:
            per_second = conf.get("MAX_MESSAGES_PER_SECOND")
            if exhausted:
                await self.error("rate_limited", f"far more than {per_second} messages per second; closing", retryAfterMs=retry_ms)
                return await self.shut(1008)
            return await self.error("rate_limited", f"more than {per_second} messages per second; message dropped", retryAfterMs=retry_ms)
        if bytes_data is not None:
            return await self.error("bad_message", "binary frames are not part of the protocol")
        max_depth = conf.get("MAX_DEPTH")
        try:
            msg, cut = parse(text_data, max_depth + PUSH_ENVELOPE_DEPTH + 1)
        except ValueError:
            return await self.error("bad_message", "not valid JSON")
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            return await self.error("bad_message", 'a message is a JSON object with a string "type"')
        if msg["type"] == "hello":
            self.hello_received = True
        if msg["type"] != "push" and (cut or deeper_than(msg, max_depth + PUSH_ENVELOPE_DEPTH)):
            return await self.error("bad_message", f"nested deeper than {max_depth} levels", inReplyTo=msg["type"])
        try:
            await self.dispatch_message(msg)
        except Exception:
            import logging

            # Never the message itself: hello and auth carry the token.
            logging.getLogger("syncore_django").exception("handling %s failed", msg["type"])
            if not self.closed:
                await self.error("bad_message", "internal error handling the message", inReplyTo=msg["type"])

    async def dispatch_message(self, msg):
        kind = msg["type"]
        if kind in NEEDS_WELCOME and not self.welcomed:
            return await self.error("bad_message", f"send hello first (got {kind})", inReplyTo=kind)
        handler = {
            "hello": self.on_hello,
            "auth": self.on_auth,
            "subscribe": self.on_subscribe,
            "unsubscribe": self.on_unsubscribe,
            "sync_request": self.on_sync_request,
            "push": self.on_push,
            "heartbeat": self.on_heartbeat,
        }.get(kind)
        if handler is None:
            return await self.error("bad_message", f'unknown message type "{kind}"', inReplyTo=kind)
        await handler(msg)

    # ---- hello, auth ----

    async def on_hello(self, msg):
        if self.welcomed or self.greeting:
            return await self.error("bad_message", "hello was already received", inReplyTo="hello")
        offered = msg.get("protocol", [1])
        offered = offered if isinstance(offered, list) else [offered]
        common = [v for v in offered if is_int(v) and v in PROTOCOL_VERSIONS]
        if not common:
            await self.error("unsupported_protocol", f"this server speaks protocol {PROTOCOL_VERSIONS}", supported=PROTOCOL_VERSIONS)
            return await self.shut(1002)
        client_id = msg.get("clientId")
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 200:
            return await self.error("bad_message", "hello needs a clientId (a non-empty string)", inReplyTo="hello")
        try:
            Subscriptions.check_hello(msg.get("collections"), conf.get("MAX_SUBSCRIPTIONS"))
        except SubscriptionError as e:
            extra = {"limit": e.limit} if e.limit is not None else {}
            return await self.error(e.code, e.message, inReplyTo="hello", **extra)
        cursor = msg.get("cursor")
        if cursor is not None and not (is_int(cursor) and cursor >= 0):
            return await self.error("bad_message", "cursor must be a non-negative integer", inReplyTo="hello")
        self.greeting = True
        try:
            granted = await self.authenticate(msg.get("token"), client_id)
        finally:
            self.greeting = False
        if granted is None or self.closed:
            return
        user, expires_at, groups = granted
        if self.hello_timer:
            self.hello_timer.cancel()
        self.reader = Reader(user=user, groups=groups, client_id=client_id, expires_at=expires_at,
                             subs=Subscriptions(msg.get("collections")))
        await self.join(groups)
        self.protocol = max(common)
        self.welcomed = True
        await self.welcome()

    async def on_auth(self, msg):
        granted = await self.authenticate(msg.get("token"), self.reader.client_id)
        if granted is None or self.closed:
            return
        user, expires_at, groups = granted
        before = self.reader.groups
        self.reader.user, self.reader.expires_at, self.reader.groups = user, expires_at, groups
        await self.join(groups)
        await self.welcome()
        if groups != before:
            # What the old token could read and the new one cannot is removed from the device.
            for removal in await database_sync_to_async(removals_after_regrant)(self.reader, before):
                await self.send_json(removal)

    async def authenticate(self, token, client_id):
        """(user, expires_at, groups), or None after refusing (unauthorized / forbidden, close 1008)."""
        result = await database_sync_to_async(_authenticate_and_claim)(token, self.scope, client_id)
        if result == "unauthorized":
            await self.error("unauthorized", "bad or expired token")
            await self.shut(1008)
            return None
        if result == "forbidden":
            await self.error("forbidden", f"client id {client_id} belongs to another user; use a new client id for this user")
            await self.shut(1008)
            return None
        return result

    async def join(self, groups):
        for group in self.joined - groups:
            await self.channel_layer.group_discard(channel_group(group), self.channel_name)
        for group in groups - self.joined:
            await self.channel_layer.group_add(channel_group(group), self.channel_name)
        self.joined = set(groups)

    async def welcome(self):
        cursor = await database_sync_to_async(current_cursor)()
        # Live changes start after it (catch-up brings the rest); kept on a second welcome (auth).
        if not hasattr(self, "live_cursor"):
            self.live_cursor = cursor
        await self.send_json({
            "type": "welcome",
            "protocol": self.protocol,
            "serverTime": int(time.time() * 1000),
            "cursor": cursor,
            "userId": self.reader.user_id,
            "limits": {
                "maxMessageBytes": conf.get("MAX_MESSAGE_BYTES"),
                "maxBatchMutations": conf.get("MAX_BATCH"),
                "maxEntityBytes": conf.get("MAX_ENTITY_BYTES"),
                "maxDepth": conf.get("MAX_DEPTH"),
            },
        })

    def expired(self):
        return self.reader.expires_at is not None and time.time() >= self.reader.expires_at

    # ---- subscriptions, heartbeat ----

    async def on_subscribe(self, msg):
        try:
            self.reader.subs.subscribe(msg, conf.get("MAX_SUBSCRIPTIONS"))
        except SubscriptionError as e:
            extra = {"limit": e.limit} if e.limit is not None else {}
            await self.error(e.code, e.message, inReplyTo="subscribe", **extra)

    async def on_unsubscribe(self, msg):
        try:
            self.reader.subs.unsubscribe(msg, conf.get("MAX_SUBSCRIPTIONS"))
        except SubscriptionError as e:
            extra = {"limit": e.limit} if e.limit is not None else {}
            await self.error(e.code, e.message, inReplyTo="unsubscribe", **extra)

    async def on_heartbeat(self, msg):
        await self.send_json({"type": "heartbeat_ack", "t": msg.get("t")})

    # ---- catch-up ----

    async def on_sync_request(self, msg):
        since = msg.get("cursor", 0)
        limit = msg.get("limit", conf.get("DEFAULT_SYNC_LIMIT"))
        if not is_int(since) or since < 0:
            return await self.error("bad_message", "cursor must be a non-negative integer", inReplyTo="sync_request")
        if not is_int(limit) or limit < 1:
            return await self.error("bad_message", "limit must be a positive integer", inReplyTo="sync_request")
        if self.expired():
            await self.error("unauthorized", "token expired")
            return await self.shut(1008)
        limit = min(limit, conf.get("MAX_SYNC_LIMIT"))
        changes, cursor, more = await database_sync_to_async(catch_up)(self.reader, since, limit, conf.get("MAX_MESSAGE_BYTES"))
        await self.send_json({"type": "sync_response", "cursor": cursor, "more": more, "changes": changes})

    # ---- push ----

    async def on_push(self, msg):
        batch = msg.get("batch")
        mutations = msg.get("mutations")
        if not isinstance(mutations, list):
            return await self.error("bad_message", "push needs mutations: a list", inReplyTo="push", batch=batch)
        max_batch = conf.get("MAX_BATCH")
        if len(mutations) > max_batch:
            return await self.error("too_large", f"a push carries at most {max_batch} mutations", inReplyTo="push", batch=batch, limit=max_batch)
        results = await database_sync_to_async(_apply_batch)(self.reader, mutations)
        await self.send_json({"type": "push_result", "batch": batch, "results": results})

    # ---- from the channel layer ----

    def first_time(self, token):
        if token in self.seen:
            return False
        self.seen[token] = True
        if len(self.seen) > 4096:
            self.seen.popitem(last=False)
        return True

    async def syncore_change(self, event):
        """A committed change: sent as entity_*, as a removal to a reader that lost sight of the
        entity, or not at all (row level: the groups that may read it before and after).

        In cursor order, each once: several processes publish to the channel layer on their own,
        so change 12 may arrive before 11. Cursors are handed out in commit order (changelog.py),
        so when 12 has arrived, 11 is committed: a gap is read from the log and sent first."""
        if not self.welcomed or self.closed or self.expired():
            return
        cursor = event["change"]["cursor"]
        if cursor <= self.live_cursor:
            return  # sent already (through another group, or read from the log in a gap)
        events = [event] if cursor == self.live_cursor + 1 else await database_sync_to_async(changes_between)(self.live_cursor, cursor)
        self.live_cursor = cursor
        for e in events:
            message = self.live_message(e)
            if message is not None:
                await self.send_json(message)

    def live_message(self, event):
        change = event["change"]
        if not self.reader.subs.wants_entity(change["collection"], change["id"]):
            return None
        if self.reader.may_read(event["audience"]):
            return {"type": LIVE_TYPES[event["kind"]], **{k: v for k, v in change.items() if k != "op"}}
        if self.reader.may_read(event["previous"]):
            return {"type": "entity_deleted", "collection": change["collection"], "id": change["id"],
                    "version": change["version"], "cursor": change["cursor"], "origin": None}
        return None

    async def syncore_notification(self, event):
        if self.welcomed and not self.closed and self.first_time(("n", event["nid"])):
            await self.send_json({**event["payload"], "type": "notification"})


def _authenticate_and_claim(token, scope, client_id):
    granted = conf.hook("AUTHENTICATE")(token, scope)
    if not granted:
        return "unauthorized"
    user, expires_at = granted
    binding, _ = ClientBinding.objects.get_or_create(client_id=client_id, defaults={"user": user})
    if binding.user_id != user.pk:
        return "forbidden"
    return user, expires_at, user_groups(user)


def _apply_batch(reader, mutations):
    """Each mutation in order, each its own transaction; a failure of one is `transient`."""
    import logging

    results = []
    now_ms = int(time.time() * 1000)
    for m in mutations:
        if not isinstance(m, dict):
            results.append(refuse(None, "validation", "a mutation must be an object"))
            continue
        key = m.get("key")
        sep = key.rfind(":") if isinstance(key, str) else -1
        if sep <= 0 or sep == len(key) - 1:
            results.append(refuse(key, "validation", 'key must be "<clientId>:<n>"'))
            continue
        if key[:sep] != reader.client_id:
            results.append(refuse(key, "forbidden", f"key {key} does not belong to client {reader.client_id}"))
            continue
        ts = m.get("ts")
        if isinstance(ts, dict) and is_int(ts.get("wall")) and ts["wall"] > now_ms + MAX_CLOCK_DRIFT_MS:
            m = {**m, "ts": {**ts, "wall": now_ms + MAX_CLOCK_DRIFT_MS}}
        try:
            results.append(apply_mutation(reader, m))
        except Exception:
            logging.getLogger("syncore_django").exception("a mutation failed")
            results.append(refuse(key, "transient", "the server could not apply this now"))
    return results
