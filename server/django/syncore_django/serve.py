"""Daphne, with what the protocol needs of the WebSocket server and Daphne 4.0 lacks:

    python3 -m syncore_django.serve [daphne's arguments] example.asgi:application
    SYNCORE_HEADERS_TIMEOUT_S=10 (an upgrade whose headers do not finish by then is dropped)

- Close codes. Daphne passes `websocket.close` codes to autobahn's sendClose, which only takes
  1000 and 3000-4999: the protocol's 1002 / 1008 / 1009 would raise. They are sent as the close
  frame autobahn's own protocol errors use.
- The ASGI "websocket.http.response" extension (a denial response before accept), so a refused
  upgrade answers 400 (a token in the URL), 429 (too many connections from one address) instead
  of Daphne's fixed 403.
- A header timeout: Twisted's HTTP channel timeout applies until the upgrade, then is cancelled
  (it would otherwise cut the WebSocket it handed the socket to).
- A close grace that lasts: a peer that does not answer the server's close frame is cut off
  CLOSE_GRACE_S after it (docs/protocol.md, as the Node server does), never before (_PunctualTimer).

Under plain `daphne` the app still works: refusals become 403 and close codes outside autobahn's
range become 1000 (the consumer checks scope["extensions"]).
"""
import os
import sys

from autobahn.websocket.types import ConnectionDeny
from daphne import cli, http_protocol, ws_protocol

DENIAL = "websocket.http.response"
# How long a peer has to answer the server's close frame before the socket is aborted.
CLOSE_GRACE_S = 1.0


def _server_close(self, code=None):
    code = 1000 if code is None else code
    if code == 1000 or 3000 <= code <= 4999:
        self.sendClose(code=code)
    else:
        self.sendCloseFrame(code=code, isReply=False)


_original_handle_reply = ws_protocol.WebSocketProtocol.handle_reply


def _handle_reply(self, message):
    kind = message.get("type")
    if kind == "websocket.http.response.start" and hasattr(self, "handshake_deferred"):
        self._syncore_denial_status = int(message.get("status", 403))
        return None
    if kind == "websocket.http.response.body" and hasattr(self, "handshake_deferred"):
        if message.get("more_body"):
            return None
        status = getattr(self, "_syncore_denial_status", 403)
        body = message.get("body", b"").decode("utf-8", "replace").strip() or None
        self.handshake_deferred.errback(ConnectionDeny(code=status, reason=body))
        del self.handshake_deferred
        self.server.protocol_disconnected(self)
        return None
    return _original_handle_reply(self, message)


_original_create_application = None


def _with_extension(create_application):
    def create(self, protocol, scope):
        if scope.get("type") == "websocket":
            scope = dict(scope)
            scope["extensions"] = {**(scope.get("extensions") or {}), DENIAL: {}}
        return create_application(self, protocol, scope)

    return create


_original_process = http_protocol.WebRequest.process


def _process(self):
    upgrade = self.requestHeaders.getRawHeaders(b"Upgrade", [b""])[0]
    if upgrade.lower() == b"websocket" and self.channel is not None:
        self.channel.setTimeout(None)  # from here on the WebSocket protocol owns the socket
    return _original_process(self)


_original_factory_init = http_protocol.HTTPFactory.__init__


def _factory_init(self, server):
    _original_factory_init(self, server)
    self.timeOut = float(os.environ.get("SYNCORE_HEADERS_TIMEOUT_S", "10"))


class _PunctualTimer:
    """The timer autobahn schedules its handshake timeouts on (the factory's `_batched_timer`: no
    public seam), firing when asked. txaio's batched timer (21.2, Debian's) truncates a deadline to
    the whole second (`int(now + delay)`), so the close-handshake timeout fired anywhere from 0 to
    1 s after the close frame. Fired before the frame was flushed and answered, it aborted the
    socket (autobahn's dropConnection(abort=True)), discarding the unsent close frame and the
    errors before it: the client saw 1006 instead of 1008 / 1009 (3 in 100 pre-hello closes)."""

    def call_later(self, delay, func, *args, **kwargs):
        from twisted.internet import reactor  # Daphne has installed its reactor by now

        return _Call(reactor.callLater(delay, func, *args, **kwargs))


class _Call:
    def __init__(self, delayed):
        self._delayed = delayed

    def cancel(self):
        # txaio's calls take a cancel after they ran; Twisted's raise AlreadyCalled.
        if self._delayed.active():
            self._delayed.cancel()


_original_ws_factory_init = ws_protocol.WebSocketFactory.__init__


def _ws_factory_init(self, *args, **kwargs):
    _original_ws_factory_init(self, *args, **kwargs)
    self._batched_timer = _PunctualTimer()
    self.setProtocolOptions(closeHandshakeTimeout=CLOSE_GRACE_S)


def patch_daphne():
    from daphne import server

    ws_protocol.WebSocketProtocol.serverClose = _server_close
    ws_protocol.WebSocketProtocol.handle_reply = _handle_reply
    http_protocol.WebRequest.process = _process
    http_protocol.HTTPFactory.__init__ = _factory_init
    ws_protocol.WebSocketFactory.__init__ = _ws_factory_init
    if not getattr(server.Server, "_syncore_patched", False):
        server.Server.create_application = _with_extension(server.Server.create_application)
        server.Server._syncore_patched = True


def main(argv=None):
    patch_daphne()
    cli.CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
