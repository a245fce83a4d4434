// Sending to one connection: JSON frames, errors, closing. A consumer too slow to read is cut off
// (it reconnects and catches up) rather than buffered without bound.
import { WebSocket } from 'ws';

export function sendRaw(conn, frame) {
  const { ws } = conn;
  if (ws.readyState !== WebSocket.OPEN) return;
  if (ws.bufferedAmount > conn.maxBufferedBytes) {
    conn.closed = true;
    ws.terminate();
    return;
  }
  ws.send(frame);
}

export function send(conn, message) {
  sendRaw(conn, JSON.stringify(message));
}

export function sendError(conn, code, message, extra = {}) {
  send(conn, { type: 'error', code, message, ...extra });
}

// A peer that does not answer the close handshake (a silent or hostile one) would hold its
// socket for ws's own 30 s close timeout: it is cut off after this grace instead.
const CLOSE_GRACE_MS = 1000;

export function closeConn(conn, code, reason) {
  conn.closed = true;
  clearTimeout(conn.helloTimer);
  const { ws } = conn;
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
