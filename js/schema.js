// Collection definitions and their schemas. A collection may carry a Standard Schema
// (https://standardschema.dev: zod 4, valibot 1, arktype 2, … all implement `~standard`), and every
// local write is checked against it before the core sees it: the entity a create, update or patch
// would leave in the view is validated, and a failure throws SyncError VALIDATION with the
// schema's issues — nothing is queued, nothing changes. Server data is not validated: the server
// is the authority on what it stores.
import { SyncError, ErrorCodes } from './errors.js';
import { isObject, mergePatch } from './merge_patch.js';

/**
 * A typed collection definition: collection<Todo>() in TypeScript. At run time it is the plain
 * options object it was given (the types live in index.d.ts).
 */
export function collection(options = {}) {
  if (options === null || typeof options !== 'object') throw new SyncError(ErrorCodes.WRONG_TYPE, 'collection options must be an object');
  return { ...options };
}



function sameJson(a, b) {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

// A Standard Schema issue, in the same plain shape whatever the library: { message, path }, the
// path's segments as keys (the spec allows { key } objects; arktype's path is an Array subclass).
function issueOf(issue) {
  const path = Array.from(issue?.path ?? [], (segment) => (segment !== null && typeof segment === 'object' ? segment.key : segment));
  return { message: String(issue?.message ?? 'invalid'), path };
}

function validationError(collection, id, issues) {
  const where = (i) => (i.path.length ? `${i.path.join('.')}: ` : '');
  const list = issues.map((i) => `${where(i)}${i.message}`).join('; ');
  const err = new SyncError(ErrorCodes.VALIDATION, `${collection}${id === undefined ? '' : `/${id}`}: ${list}`);
  return Object.assign(err, { collection, id, issues });
}

/** The schemas of a core's collections (SyncCore keeps one of these). */
export class CollectionSchemas {
  #schemas = new Map(); // collection -> { schema, idField, serverFields: Set }

  /**
   * Takes a collection's options; returns them without what only the JS side uses (the schema,
   * serverFields), for the core. Defining a collection again (new sync settings) keeps its schema
   * unless the options name one (or `schema: null`).
   */
  define(name, options) {
    if (!isObject(options)) return options;
    const { schema, serverFields, ...forCore } = options;
    if (schema !== undefined && schema !== null) {
      if (typeof schema?.['~standard']?.validate !== 'function')
        throw new SyncError(ErrorCodes.WRONG_TYPE, `the schema of '${name}' is not a Standard Schema (no ~standard.validate): use zod 4, valibot 1, arktype 2 or another https://standardschema.dev implementation`);
      if (serverFields !== undefined && (!Array.isArray(serverFields) || !serverFields.every((f) => typeof f === 'string')))
        throw new SyncError(ErrorCodes.WRONG_TYPE, `serverFields of '${name}' must be an array of field names`);
      this.#schemas.set(name, { schema, idField: forCore.idField ?? 'id', serverFields: new Set(serverFields ?? []) });
    } else if (Object.hasOwn(options, 'schema')) {
      this.#schemas.delete(name); // schema: null (or undefined) removes it; options without the key keep it
    }
    return forCore;
  }

  has(collection) {
    return this.#schemas.has(collection);
  }

  /** Whether any collection has a schema (so a core without one pays nothing for this). */
  any() {
    return this.#schemas.size > 0;
  }

  /**
   * A mutation request checked against its collection's schema: returned as given, or with the
   * fields the schema's output changed (defaults, transforms) written in; throws VALIDATION.
   * view(collection, id) reads the entity the write applies to (undefined: the core will refuse it).
   */
  check(request, view) {
    const entry = this.#schemas.get(request.collection);
    if (!entry || (request.op !== 'create' && request.op !== 'update')) return request;
    const { idField } = entry;
    if (request.op === 'create') {
      if (!isObject(request.data)) return request; // the core refuses it with its own code
      const candidate = request.id === undefined || request.id === null ? request.data : { ...request.data, [idField]: request.data[idField] ?? request.id };
      // Fields the collection or the server fills in are not required of a local create.
      const absent = (key) => (key === idField || entry.serverFields.has(key)) && !Object.hasOwn(candidate, key);
      const output = this.#validate(entry, request, candidate, absent);
      return output === undefined ? request : { ...request, data: withOutput(request.data, candidate, output) };
    }
    let current;
    try {
      current = view(request.collection, request.id);
    } catch {
      return request; // a bad id: the core answers with its code
    }
    if (!isObject(current)) return request;
    if (isObject(request.patch)) {
      const candidate = mergePatch(current, request.patch);
      const output = this.#validate(entry, request, candidate, () => false);
      return output === undefined ? request : { ...request, patch: withOutput(request.patch, candidate, output) };
    }
    if (isObject(request.data)) {
      const candidate = { ...request.data, [idField]: current[idField] };
      const output = this.#validate(entry, request, candidate, () => false);
      return output === undefined ? request : { ...request, data: withOutput(request.data, candidate, output) };
    }
    return request;
  }

  /**
   * A whole entity (a conflict's merged value) checked against its collection's schema.
   * Returns the value to write; throws VALIDATION.
   */
  checkEntity(collection, id, value) {
    const entry = this.#schemas.get(collection);
    if (!entry || !isObject(value)) return value;
    const candidate = Object.hasOwn(value, entry.idField) ? value : { ...value, [entry.idField]: id };
    const output = this.#validate(entry, { collection, id }, candidate, () => false);
    return output === undefined ? value : withOutput(value, candidate, output);
  }

  // The schema's output, or undefined when the only issues are on fields a create may leave out.
  #validate(entry, request, candidate, mayBeAbsent) {
    let result;
    try {
      result = entry.schema['~standard'].validate(candidate);
    } catch (err) {
      throw validationError(request.collection, request.id, [{ message: `the schema threw: ${err?.message ?? err}`, path: [] }]);
    }
    if (typeof result?.then === 'function') {
      result.then(undefined, () => {}); // nobody awaits it: no unhandled rejection
      throw new SyncError(
        ErrorCodes.ASYNC_SCHEMA,
        `the schema of '${request.collection}' validated asynchronously: local writes are applied at once, so their schema must be synchronous (check async rules on the server, or before the write)`,
      );
    }
    if (!result?.issues) return result?.value;
    const issues = result.issues.map(issueOf).filter((i) => !(i.path.length >= 1 && mayBeAbsent(i.path[0])));
    if (issues.length > 0) throw validationError(request.collection, request.id ?? candidate[entry.idField], issues);
    return undefined;
  }
}

// The schema's output laid over the entity it validated, object by object: what the output set
// (a default, a transform) wins; what it left out (a schema that strips unknown keys) is kept.
function overlay(candidate, output) {
  if (!isObject(candidate) || !isObject(output)) return output;
  const out = { ...candidate };
  for (const [key, value] of Object.entries(output)) if (value !== undefined) out[key] = overlay(candidate[key], value);
  return out;
}

// What is written: the write as given, plus each top-level field where the output, laid over the
// validated entity, differs from it. A local write never deletes a field the schema does not know.
function withOutput(written, candidate, output) {
  if (!isObject(output)) return written;
  let out = written;
  for (const [key, value] of Object.entries(output)) {
    if (value === undefined) continue;
    const next = overlay(candidate[key], value);
    if (sameJson(next, candidate[key])) continue;
    if (out === written) out = { ...written };
    out[key] = next;
  }
  return out;
}
