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

export function closeConn(conn, code, reason) {
  conn.closed = true;
  clearTimeout(conn.helloTimer);
  if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) conn.ws.close(code, reason);
}
