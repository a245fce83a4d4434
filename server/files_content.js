// GET /files/<fileId>/content: a file's bytes for the client's offline content (js/files/offline.js),
// with HTTP Range (RFC 9110 §14) so a download cut halfway resumes where it stopped.
//
// Who may download: the user who uploaded the file, or a user who may read the entity the file
// is attached to (the same canRead(user, collection, entity) rule as the entity's rows). Any
// other user gets the same 404 as for a file that does not exist: a file id is no oracle.
//
// Answers: 200 (whole file) / 206 (one range; Content-Range) / 416 (range past the end) /
// 404 (unknown, not visible, or its upload not finished) / 401 (no or bad token) / 405.
// Headers: Accept-Ranges: bytes, ETag (files are immutable: one tag per file), If-Range honoured
// (a stale tag gets the whole file), Content-Type as uploaded, served as an attachment with
// nosniff and a sandbox CSP (the bytes are the users', never the server's page).
//
// The bytes come from a source: { describe(fileId) -> { size, type, name, userId, collection,
// entityId, complete } | null, read(fileId, start, end) -> async iterable of Buffers } (end
// exclusive); server/files_source.js reads the upload tables.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { runAuthorize, canReadEntity, expired } from './auth.js';

export const FILES_PREFIX = '/files';

class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

function replyJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The ETag of a file: immutable content, so its id and size name it. */
export const fileETag = (fileId, size) => `"f-${Buffer.from(String(fileId)).toString('base64url')}-${size}"`;

/**
 * One byte range of a file of `size` bytes from a Range header: { start, end } (end exclusive),
 * null for "the whole file" (no header, another unit, several ranges: RFC 9110 lets a server
 * ignore those), or 'unsatisfiable'.
 */
export function parseRange(header, size) {
  if (typeof header !== 'string') return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // a suffix: the last n bytes
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null; // invalid: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: last + 1 };
}

/** May this grant download the file described? */
async function mayDownload(store, auth, info) {
  if (info.userId != null && auth.userId != null && String(info.userId) === String(auth.userId)) return true;
  if (!info.collection || info.entityId == null) return false;
  const e = await store.get(info.collection, String(info.entityId));
  return Boolean(e && !e.deleted && canReadEntity({ auth }, info.collection, e));
}

/**
 * A request handler for GET/HEAD <prefix>/<fileId>/content: resolves true when it answered (the
 * path is its own), false otherwise (the caller serves the request).
 */
export function createFileContentHandler(ctx, { source, prefix = FILES_PREFIX } = {}) {
  const { store, logger } = ctx;
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/content/?$`);

  async function grantOf(req) {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new HttpError(401, 'a Bearer token is required');
    const auth = await runAuthorize(ctx.authorize, m[1], null, logger);
    if (!auth) throw new HttpError(401, 'bad or expired token');
    if (expired({ auth })) throw new HttpError(401, 'token expired');
    return auth;
  }

  async function serve(req, res, fileId) {
    const auth = await grantOf(req);
    const info = await source.describe(fileId);
    if (!info || !info.complete || !(await mayDownload(store, auth, info))) throw new HttpError(404, 'not found');
    const size = Number(info.size);
    const etag = fileETag(fileId, size);
    const common = {
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Cache-Control': 'private, no-store',
      'Content-Type': info.type || 'application/octet-stream',
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(info.name || fileId)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
    };
    const ifRange = req.headers['if-range'];
    let range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : null;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      return res.end();
    }
    range ??= { start: 0, end: size };
    const partial = range.start !== 0 || range.end !== size;
    const headers = { ...common, 'Content-Length': range.end - range.start };
    if (partial) headers['Content-Range'] = `bytes ${range.start}-${range.end - 1}/${size}`;
    res.writeHead(partial ? 206 : 200, headers);
    if (req.method === 'HEAD' || range.end === range.start) return res.end();
    await pipeline(Readable.from(source.read(fileId, range.start, range.end)), res);
  }

  return async function handleFileContent(req, res) {
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      return false;
    }
    const m = pattern.exec(url.pathname);
    if (!m) return false;
    try {
      if (url.searchParams.has('token') || url.searchParams.has('access_token'))
        throw new HttpError(400, 'the token belongs in the Authorization header, never in the URL');
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed here`, { Allow: 'GET, HEAD' });
      let fileId;
      try {
        fileId = decodeURIComponent(m[1]);
      } catch {
        throw new HttpError(404, 'not found');
      }
      await serve(req, res, fileId);
    } catch (err) {
      if (err?.code === 'ERR_STREAM_PREMATURE_CLOSE') return true; // the client went away mid-body
      if (!(err instanceof HttpError)) {
        logger?.error?.('syncore sync server: file download failed:', err);
        err = new HttpError(503, 'the server could not answer this now', { 'Retry-After': '1' });
      }
      const headers = err.status === 401 ? { 'WWW-Authenticate': 'Bearer', ...err.headers } : err.headers;
      if (!res.headersSent) replyJson(res, err.status, { message: err.message }, headers);
      else res.destroy();
    }
    return true;
  };
}
