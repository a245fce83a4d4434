// GET /files/<fileId>/content: a file's bytes for the client's offline content (js/files/offline.js),
// with HTTP Range (RFC 9110 §14) so a download cut halfway resumes where it stopped. The bytes
// are the chunks the upload endpoints stored (server/files.js).
//
// Who may download a file (the same rules as the rows): the user who uploaded it, or a user who
// may read an entity that references it ({ $file: id } in its data, as server/files.js counts
// references), by the app's canRead(user, collection, entity). Any other user gets the same 404
// as for a file that does not exist or is not complete: a file id is no oracle. Finding the
// referencing entities reads the entities whose JSON mentions the id (one scan per download of
// another user's file; the uploader's own downloads skip it).
//
// Answers: 200 (whole file) / 206 (one range; Content-Range) / 416 (range past the end) /
// 404 / 401 (no or bad token) / 405. Headers: Accept-Ranges: bytes, ETag (a file's bytes never
// change: one tag per file), If-Range honoured (another tag gets the whole file), the uploaded
// Content-Type, served as an attachment with nosniff and a sandbox CSP (the bytes are the
// users', never the server's page).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { grantOfRequest, canReadEntity } from './auth.js';
import { replyJson } from './http.js';
import { FILES_COLLECTION, FILES_PREFIX, fileRefs } from './files.js';

class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
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

/** May this grant download the file (server/files.js's { userId, … })? */
async function mayDownload(store, auth, file) {
  if (file.userId != null && auth.userId != null && String(file.userId) === String(auth.userId)) return true;
  // Entities whose JSON mentions the id, then the exact reference and the read rule.
  const { rows } = await store.database.query(
    'SELECT collection, id, version, data FROM syncore_entities WHERE NOT deleted AND collection <> $1 AND strpos(data::text, $2) > 0',
    [FILES_COLLECTION, JSON.stringify(file.fileId)],
  );
  return rows.some((r) => fileRefs(r.data).has(file.fileId) && canReadEntity({ auth }, r.collection, { id: r.id, version: Number(r.version), data: r.data }));
}

/** The bytes [start, end) of a file from its stored chunks, one chunk at a time. */
async function* fileBytes(files, file, start, end) {
  for (let n = Math.floor(start / file.chunkSize); n * file.chunkSize < end; n++) {
    const chunk = await files.getChunk(file.fileId, n);
    if (!chunk) throw new Error(`chunk ${n} of file ${file.fileId} is missing`);
    const from = n * file.chunkSize;
    yield chunk.subarray(Math.max(0, start - from), Math.min(chunk.length, end - from));
  }
}

/**
 * A request handler for GET/HEAD <prefix>/<fileId>/content: resolves true when it answered (the
 * path is its own), false otherwise (the caller serves the request).
 */
export function createFileContentHandler(ctx, files, { prefix = FILES_PREFIX } = {}) {
  const { store, logger } = ctx;
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/content/?$`);

  async function grantOf(req) {
    const grant = await grantOfRequest(ctx.authorize, req.headers.authorization, logger);
    if (grant.refused) throw new HttpError(401, grant.refused);
    return grant.auth;
  }

  async function serve(req, res, fileId) {
    const auth = await grantOf(req);
    const info = await files.file(fileId);
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
    await pipeline(Readable.from(fileBytes(files, info, range.start, range.end)), res);
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
    // An app on another origin fetches with Authorization and Range: preflighted.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag, Content-Disposition, Accept-Ranges');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Headers': 'Authorization, Range, If-Range', 'Access-Control-Allow-Methods': 'GET, HEAD' }).end();
      return true;
    }
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
