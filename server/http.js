// The small HTTP pieces the server's endpoints share (REST, file upload, file content): a JSON
// reply, a bounded body, and the path under an endpoint's prefix. Node's http module only; each
// endpoint keeps its own error type and wording.

/** A JSON reply that no cache keeps (every answer depends on the caller's grant). */
export function replyJson(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The request's body, or null as soon as it is over `limit` bytes (declared or sent). */
export async function readBody(req, limit) {
  if (Number(req.headers['content-length']) > limit) return null;
  const parts = [];
  let size = 0;
  for await (const part of req) {
    size += part.length;
    if (size > limit) return null;
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/**
 * The decoded path segments after `prefix`: null when the request is not under it (another
 * handler's), `{ url, parts: null }` when a segment's percent-encoding is malformed (a 400, not a
 * server fault).
 */
export function pathUnder(reqUrl, prefix) {
  let url;
  try {
    url = new URL(reqUrl, 'http://localhost');
  } catch {
    return null;
  }
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return null;
  try {
    return { url, parts: url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent) };
  } catch {
    return { url, parts: null };
  }
}
