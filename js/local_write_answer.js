// A hot call's answer text as its envelope. A plain local write (one entity created, updated or
// deleted, its one "queued" event, no query, rename or view: src/wire/commit_text.hpp's
// appendLocalWriteText) answers a short JSON array instead of the commit's nested objects, which
// JSON.parse took longer over than the rest of a W1 write; it becomes here the very envelope the
// long form parses to, keys in the same order. With the numbers answer
// (src/wire/local_write_numbers.hpp) js/wasm_text.js makes that array from numbers read in wasm
// memory, and there is no text to decode or parse at all.
import { isChangeLines, parseChangeLines } from './change_lines.js';

/**
 * The envelope { ok, viewFromRequest?, commit | value | error } of a call's answer: its text (a
 * server batch's in the lines form: js/change_lines.js), or the short answer a plain local
 * write's numbers made (already an array: js/wasm_text.js).
 * owned: nobody else holds that array (no wrapHandle seam saw it), so its effects become the
 * commit's as they are.
 */
export function parseAnswer(answer, owned = false) {
  if (typeof answer !== 'string') return Array.isArray(answer) ? localWriteEnvelope(answer, owned) : answer;
  if (isChangeLines(answer)) return parseChangeLines(answer);
  const parsed = JSON.parse(answer);
  return Array.isArray(parsed) ? localWriteEnvelope(parsed, true) : parsed; // parsed here: its own
}

// [viewFromRequest, collection, 0 created | 1 updated | 2 deleted, id, mutationId, cursor,
//  pending, deadLetters, conflicts, setAside, resyncing, notify, effects?]
function localWriteEnvelope(a, owned) {
  const collection = a[1];
  const id = a[3];
  const mutationId = a[4];
  // Array literals, not push (which grows an empty array's store to 17 slots): one write's commit.
  const how = a[2];
  const change = { created: how === 0 ? [id] : [], deleted: how === 2 ? [id] : [], updated: how === 1 ? [id] : [] };
  const changes = { [collection]: change }; // a computed key: an own property even for '__proto__'
  const counts = { conflicts: a[8], deadLetters: a[7], pending: a[6], resyncing: a[10] === 1, setAside: a[9] };
  const events = [{ type: 'queued', collection, id, mutationId }];
  // Each commit made whole as one literal (the long form's keys, in its order).
  const commit = a.length > 12
    ? { changes, counts, cursor: a[5], effects: effectsOf(a[12], owned), events, mutationId, notify: a[11], queries: {} }
    : { changes, counts, cursor: a[5], events, mutationId, notify: a[11], queries: {} };
  return a[0] === 1 ? { ok: true, viewFromRequest: true, commit } : { ok: true, commit };
}

// The answer made from numbers (js/wasm_text.js) is an object, not text parsed anew: a commit's
// persist records are replaced in place later (js/storage/sealed_records.js attachSealed), so
// unless the answer is this side's alone, the commit gets its own arrays and the answer stays as
// it crossed (a wrapHandle seam may keep it).
function effectsOf(effects, owned) {
  return owned ? effects : effects.map((e) => (Array.isArray(e.put) ? { ...e, put: e.put.slice() } : e));
}
