// File uploads on the sync server (docs/files.md): a file's bytes arrive in chunks over HTTP,
// each chunk idempotent, into the store's own database; the file's metadata arrives as an
// ordinary mutation on the collection `syncore_files`, which is refused until every chunk is in.
// A mutation of any collection that references a file ({ $file: id } in its data) is refused
// unless that file is complete, so no entity on the server points at bytes the server lacks.
//
//   PUT /files/<id>            declare: { size, chunkSize, type?, name? } (idempotent; 409 if it differs)
//   GET /files/<id>            status: { fileId, size, chunkSize, chunks, received: [n…], receivedBytes, complete }
//   PUT /files/<id>/chunks/<n> one chunk's bytes (application/octet-stream); re-sending one is harmless
//   GET /files/<id>/chunks/<n> one chunk's bytes (the uploader's own; others read /content)
//
// Auth as a WebSocket hello: the Bearer token (or none) goes to the server's authorize hook; writing needs canWrite('syncore_files', { kind, id, data });
// reading needs canRead('syncore_files'). Only the user who declared a file may send its chunks.
import { grantOfRequest, canRead, canWrite } from './auth.js';
import { pathUnder, readBody, replyJson } from './http.js';
import { isPlainObject } from './mutation.js';
import { FILES_COLLECTION, fileRefs } from '../js/files/file_refs.js';

export { FILES_COLLECTION, fileRefs };  // the { $file } convention, shared with the client
export const FILES_PREFIX = '/files';
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

const FILES_SQL = `
CREATE TABLE IF NOT EXISTS syncore_files (
  file_id     text PRIMARY KEY,
  user_id     text,
  size        bigint  NOT NULL,
  chunk_size  integer NOT NULL,
  chunks      integer NOT NULL,
  type        text,
  name        text,
  complete    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS syncore_file_chunks (
  file_id  text    NOT NULL,
  n        integer NOT NULL,
  data     bytea   NOT NULL,
  PRIMARY KEY (file_id, n)
);
`;

class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

async function bodyOf(req, limit) {
  const bytes = await readBody(req, limit);
  if (!bytes) throw new HttpError(413, 'TOO_LARGE', `a body over ${limit} bytes`);
  return bytes;
}

const chunkLength = (file, n) => (n < file.chunks - 1 ? file.chunkSize : file.size - file.chunkSize * (file.chunks - 1));

/** The files' tables, on the store's database (server/db.js). */
export class ServerFiles {
  #db;

  constructor(db, { maxFileBytes = 100 << 20, maxChunkBytes = 1 << 20 } = {}) {
    this.#db = db;
    this.maxFileBytes = maxFileBytes;
    this.maxChunkBytes = maxChunkBytes;
  }

  async init() {
    await this.#db.transaction(async (q) => {
      for (const statement of FILES_SQL.split(';').map((s) => s.trim()).filter(Boolean)) await q.query(statement);
    });
    return this;
  }

  /** { fileId, userId, size, chunkSize, chunks, type, name, complete } or null. */
  async file(fileId) {
    const { rows } = await this.#db.query('SELECT file_id, user_id, size, chunk_size, chunks, type, name, complete FROM syncore_files WHERE file_id = $1', [fileId]);
    const r = rows[0];
    if (!r) return null;
    return { fileId: r.file_id, userId: r.user_id, size: Number(r.size), chunkSize: r.chunk_size, chunks: r.chunks, type: r.type, name: r.name, complete: r.complete };
  }

  /** The chunk numbers held, ascending. */
  async received(fileId) {
    const { rows } = await this.#db.query('SELECT n FROM syncore_file_chunks WHERE file_id = $1 ORDER BY n', [fileId]);
    return rows.map((r) => r.n);
  }

  async status(fileId) {
    const file = await this.file(fileId);
    if (!file) return null;
    const received = await this.received(fileId);
    const receivedBytes = received.reduce((sum, n) => sum + chunkLength(file, n), 0);
    return { fileId, size: file.size, chunkSize: file.chunkSize, chunks: file.chunks, type: file.type, name: file.name, received, receivedBytes, complete: file.complete };
  }

  /** Declares a file (idempotent); throws HttpError on a mismatch or a limit. */
  async declare(fileId, userId, { size, chunkSize, type = null, name = null }) {
    if (!Number.isSafeInteger(size) || size < 0) throw new HttpError(400, 'VALIDATION', 'size must be a non-negative integer');
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new HttpError(400, 'VALIDATION', 'chunkSize must be a positive integer');
    if (size > this.maxFileBytes) throw new HttpError(413, 'TOO_LARGE', `a file of ${size} bytes is over the server's limit of ${this.maxFileBytes}`);
    if (chunkSize > this.maxChunkBytes) throw new HttpError(413, 'TOO_LARGE', `chunks of ${chunkSize} bytes are over the server's limit of ${this.maxChunkBytes}`);
    const chunks = Math.ceil(size / chunkSize);
    await this.#db.query(
      `INSERT INTO syncore_files (file_id, user_id, size, chunk_size, chunks, type, name, complete) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (file_id) DO NOTHING`,
      [fileId, userId, size, chunkSize, chunks, type, name, chunks === 0],
    );
    const file = await this.file(fileId);
    if (file.userId !== userId) throw new HttpError(403, 'FORBIDDEN', `file ${fileId} belongs to another user`);
    if (file.size !== size || file.chunkSize !== chunkSize) throw new HttpError(409, 'FILE_MISMATCH', `file ${fileId} was declared with another size or chunk size`);
    return this.status(fileId);
  }

  /** Stores chunk n (a re-sent chunk replaces itself); marks the file complete with its last chunk. */
  async putChunk(fileId, userId, n, bytes) {
    const file = await this.file(fileId);
    if (!file) throw new HttpError(404, 'NOT_FOUND', `file ${fileId} was not declared`);
    if (file.userId !== userId) throw new HttpError(403, 'FORBIDDEN', `file ${fileId} belongs to another user`);
    if (!Number.isInteger(n) || n < 0 || n >= file.chunks) throw new HttpError(400, 'VALIDATION', `chunk ${n} is out of range (0..${file.chunks - 1})`);
    if (bytes.length !== chunkLength(file, n)) throw new HttpError(400, 'VALIDATION', `chunk ${n} must be ${chunkLength(file, n)} bytes, not ${bytes.length}`);
    // A chunk of a complete file is not rewritten: what entities reference stays as it was.
    if (!file.complete) {
      await this.#db.transaction(async (q) => {
        await q.query('INSERT INTO syncore_file_chunks (file_id, n, data) VALUES ($1, $2, $3) ON CONFLICT (file_id, n) DO UPDATE SET data = EXCLUDED.data', [fileId, n, bytes]);
        const { rows } = await q.query('SELECT count(*)::int AS held FROM syncore_file_chunks WHERE file_id = $1', [fileId]);
        if (rows[0].held === file.chunks) await q.query('UPDATE syncore_files SET complete = true WHERE file_id = $1', [fileId]);
      });
    }
    return this.status(fileId);
  }

  async getChunk(fileId, n) {
    const { rows } = await this.#db.query('SELECT data FROM syncore_file_chunks WHERE file_id = $1 AND n = $2', [fileId, n]);
    return rows[0] ? Buffer.from(rows[0].data) : null;
  }

  /**
   * Why a mutation must be refused for its files, or null: a `syncore_files` create whose bytes
   * are not all here, or any data that references ({ $file }) a file that is not complete.
   */
  async mutationError(mutation, userId) {
    if (!isPlainObject(mutation)) return null;
    if (mutation.collection === FILES_COLLECTION && mutation.kind === 'create') {
      const data = mutation.data ?? {};
      if (Number.isSafeInteger(data.size) && data.size > this.maxFileBytes) return `TOO_LARGE: a file of ${data.size} bytes is over the server's limit of ${this.maxFileBytes}`;
      const file = await this.file(String(mutation.id));
      if (!file || !file.complete) return `FILE_INCOMPLETE: the bytes of file ${mutation.id} have not all arrived`;
      if (file.userId !== userId) return `FORBIDDEN: file ${mutation.id} belongs to another user`;
      if (Number.isSafeInteger(data.size) && data.size !== file.size) return `FILE_MISMATCH: file ${mutation.id} has ${file.size} bytes, not ${data.size}`;
      return null;
    }
    for (const fileId of fileRefs(mutation.data)) {
      const file = await this.file(fileId);
      if (!file || !file.complete) return `FILE_MISSING: ${mutation.collection}/${mutation.id ?? '?'} references file ${fileId}, which the server does not hold`;
    }
    return null;
  }
}

/**
 * The files' checks, wired into the server: `beforeApply(actor, mutations)` runs them before a
 * push's transaction (they read the database, and PGlite is one connection) and `validate` (the
 * server's validate hook) refuses what they found, then asks the app's own hook, if any.
 */
export function fileChecks(files, validate) {
  const found = new WeakMap(); // mutation -> refusal message
  return {
    async beforeApply(actor, mutations) {
      for (const m of mutations) {
        if (!isPlainObject(m)) continue; // (a server write is built inside the transaction: trusted)
        const message = await files.mutationError(m, actor.userId);
        if (message) found.set(m, message);
      }
    },
    async validate(args) {
      const message = found.get(args.mutation);
      if (message) return message;
      return validate ? validate(args) : undefined;
    },
  };
}

/** The request handler for the file endpoints: resolves true when it answered. */
export function createFilesHandler(ctx, files, { prefix = FILES_PREFIX } = {}) {
  const { logger } = ctx;

  // As a WebSocket hello: the token (or none, for a server whose hook accepts that) goes to the hook.
  async function grantOf(req) {
    const grant = await grantOfRequest(ctx.authorize, req.headers.authorization, logger, { tokenRequired: false });
    if (grant.refused) throw new HttpError(401, 'AUTH', grant.refused, { 'WWW-Authenticate': 'Bearer' });
    return { auth: grant.auth };
  }

  function mayWrite(actor, fileId, data) {
    if (!canWrite(actor, FILES_COLLECTION, { kind: 'create', collection: FILES_COLLECTION, id: fileId, data }, null))
      throw new HttpError(403, 'FORBIDDEN', `user ${actor.auth.userId} may not write files`);
  }

  // Status and chunks serve the upload (its resume); everyone else reads through /content, which
  // applies the row-level rule. Another user's file answers as a missing one.
  async function uploaderOnly(actor, fileId) {
    const file = await files.file(fileId);
    if (file && file.userId !== actor.auth.userId) throw new HttpError(404, 'NOT_FOUND', `no file ${fileId}`);
  }

  async function serve(req, res, parts) {
    const [fileId, sub, nText] = parts;
    if (!ID_PATTERN.test(fileId ?? '')) throw new HttpError(400, 'VALIDATION', 'a file id is 1-200 of [A-Za-z0-9_.:-]');
    if (parts.length === 1) {
      if (req.method === 'GET') {
        const actor = await grantOf(req);
        if (!canRead(actor, FILES_COLLECTION)) throw new HttpError(403, 'FORBIDDEN', 'may not read files');
        await uploaderOnly(actor, fileId);
        const status = await files.status(fileId);
        if (!status) throw new HttpError(404, 'NOT_FOUND', `no file ${fileId}`);
        return replyJson(res, 200, status);
      }
      if (req.method === 'PUT') {
        const actor = await grantOf(req);
        let body;
        try {
          body = JSON.parse((await bodyOf(req, 64 << 10)).toString('utf8'));
        } catch (err) {
          if (err instanceof HttpError) throw err;
          throw new HttpError(400, 'VALIDATION', 'the body is not valid JSON');
        }
        if (!isPlainObject(body)) throw new HttpError(400, 'VALIDATION', 'the body must be a JSON object');
        const meta = { size: body.size, chunkSize: body.chunkSize, type: typeof body.type === 'string' ? body.type.slice(0, 200) : null, name: typeof body.name === 'string' ? body.name.slice(0, 500) : null };
        mayWrite(actor, fileId, meta);
        return replyJson(res, 200, await files.declare(fileId, actor.auth.userId, meta));
      }
      throw new HttpError(405, 'VALIDATION', `${req.method} is not allowed here`, { Allow: 'GET, PUT' });
    }
    if (parts.length !== 3 || sub !== 'chunks' || !/^\d{1,9}$/.test(nText ?? '')) throw new HttpError(404, 'NOT_FOUND', 'no such endpoint');
    const n = Number(nText);
    const actor = await grantOf(req);
    if (req.method === 'GET') {
      if (!canRead(actor, FILES_COLLECTION)) throw new HttpError(403, 'FORBIDDEN', 'may not read files');
      await uploaderOnly(actor, fileId);
      const bytes = await files.getChunk(fileId, n);
      if (!bytes) throw new HttpError(404, 'NOT_FOUND', `no chunk ${n} of file ${fileId}`);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', 'Content-Length': bytes.length });
      return res.end(bytes);
    }
    if (req.method === 'PUT') {
      mayWrite(actor, fileId, {});
      const bytes = await bodyOf(req, files.maxChunkBytes);
      return replyJson(res, 200, await files.putChunk(fileId, actor.auth.userId, n, bytes));
    }
    throw new HttpError(405, 'VALIDATION', `${req.method} is not allowed here`, { Allow: 'GET, PUT' });
  }

  return async function handleFiles(req, res) {
    const route = pathUnder(req.url, prefix);
    if (!route) return false;
    // Browsers upload from the app's origin: the Bearer header makes every request preflighted.
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Allow-Methods': 'GET, PUT' };
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return true;
    }
    try {
      if (!route.parts) throw new HttpError(400, 'BAD_REQUEST', 'a malformed percent-encoding in the path');
      await serve(req, res, route.parts);
    } catch (err) {
      if (!(err instanceof HttpError)) {
        logger?.error?.('syncore sync server: file request failed:', err);
        err = new HttpError(503, 'TRANSIENT', 'the server could not answer this now', { 'Retry-After': '1' });
      }
      if (!res.headersSent) replyJson(res, err.status, { code: err.code, message: err.message }, err.headers);
      else res.destroy();
    }
    return true;
  };
}
