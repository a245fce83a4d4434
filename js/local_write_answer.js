// A hot call's answer text as its envelope. A plain local write (one entity created, updated or
// deleted, its one "queued" event, no query, rename or view: src/wire/commit_text.hpp's
// appendLocalWriteText) answers a short JSON array instead of the commit's nested objects, which
// JSON.parse took longer over than the rest of a W1 write; it becomes here the very envelope the
// long form parses to, keys in the same order. With the numbers answer
// (src/wire/local_write_numbers.hpp) js/wasm_text.js makes that array from numbers read in wasm
// memory, and there is no text to decode or parse at all.
import { isChangeLines, parseChangeLines } from './change_lines.js';

const CHANGED = ['created', 'updated', 'deleted'];

/**
 * The envelope { ok, viewFromRequest?, commit | value | error } of a call's answer: its text (a
 * server batch's in the lines form: js/change_lines.js), or the short answer a plain local
 * write's numbers made (already an array: js/wasm_text.js).
 */
export function parseAnswer(answer) {
  if (typeof answer === 'string' && isChangeLines(answer)) return parseChangeLines(answer);
  const parsed = typeof answer === 'string' ? JSON.parse(answer) : answer;
  return Array.isArray(parsed) ? localWriteEnvelope(parsed) : parsed;
}

// [viewFromRequest, collection, 0 created | 1 updated | 2 deleted, id, mutationId, cursor,
//  pending, deadLetters, conflicts, setAside, resyncing, notify, effects?]
function localWriteEnvelope(a) {
  const collection = a[1];
  const id = a[3];
  const mutationId = a[4];
  const change = { created: [], deleted: [], updated: [] };
  change[CHANGED[a[2]]].push(id);
  const commit = {
    changes: { [collection]: change }, // a computed key: an own property even for '__proto__'
    counts: { conflicts: a[8], deadLetters: a[7], pending: a[6], resyncing: a[10] === 1, setAside: a[9] },
    cursor: a[5],
  };
  // The answer made from numbers (js/wasm_text.js) is an object, not text parsed anew: a commit's
  // persist records are replaced in place later (js/storage/sealed_records.js attachSealed), so
  // the commit gets its own arrays and the answer stays as it crossed.
  if (a.length > 12) commit.effects = a[12].map((e) => (Array.isArray(e.put) ? { ...e, put: e.put.slice() } : e));
  commit.events = [{ type: 'queued', collection, id, mutationId }];
  commit.mutationId = mutationId;
  commit.notify = a[11];
  commit.queries = {};
  return a[0] === 1 ? { ok: true, viewFromRequest: true, commit } : { ok: true, commit };
}
