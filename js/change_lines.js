// A server batch's answer (src/wire/commit_text.hpp, ChangeIds::Lines): the envelope on its first
// line, whose commit.changes holds each changed collection's counts ([created, deleted, updated]),
// then each of those collections' { created, deleted, updated } on a line of its own, in the same
// order. The ids are parsed only when something reads that collection's entry of commit.changes
// (a collection subscriber, an onCommit listener, the caller of applyServer, the snapshot cache
// when it holds snapshots of that collection): parsing the ~500 ids of every W3 batch cost JS more
// than the rest of what it did with the answer, and most batches are read by nobody. Read or not,
// commit.changes is the same object with the same keys in the same order as the one-document form.

// How such an answer begins (src/wire/envelope.cpp envelopeCommitLines); no other answer does.
const LINES_PREFIX = '{"ok":true,"lines":true,';

// changes -> Map(collection -> [created, deleted, updated]) for the entries not parsed yet.
const unread = new WeakMap();

export const isChangeLines = (text) => text.startsWith(LINES_PREFIX);

/** The envelope of an answer in the lines form, its commit.changes entries parsed when first read. */
export function parseChangeLines(text) {
  let end = text.indexOf('\n');
  const envelope = JSON.parse(end < 0 ? text : text.slice(0, end));
  const changes = envelope.commit?.changes;
  if (changes === undefined) return envelope;
  let counts = null;
  for (const collection of Object.keys(changes)) {
    const start = end + 1;
    end = text.indexOf('\n', start);
    (counts ??= new Map()).set(collection, changes[collection]);
    Object.defineProperty(changes, collection, entryOnLine(changes, collection, text.slice(start, end < 0 ? text.length : end)));
  }
  if (counts !== null) unread.set(changes, counts);
  return envelope;
}

// An own, enumerable property that becomes the parsed line (a plain data property) when first
// read or set: the same object for every later reader, as the one-document form's.
function entryOnLine(changes, collection, line) {
  const settle = (value) => {
    unread.get(changes)?.delete(collection);
    Object.defineProperty(changes, collection, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  return {
    get: () => settle(JSON.parse(line)),
    set: (value) => settle(value),
    enumerable: true,
    configurable: true,
  };
}

/**
 * How many entities a commit's changes name (created + updated + deleted, every collection),
 * without parsing the ids of an entry nobody has read yet.
 */
export function changedCount(changes) {
  const counts = unread.get(changes);
  let n = 0;
  for (const collection of Object.keys(changes ?? {})) {
    const waiting = counts?.get(collection);
    if (waiting !== undefined) n += waiting[0] + waiting[1] + waiting[2];
    else {
      const c = changes[collection];
      n += (c?.created?.length ?? 0) + (c?.updated?.length ?? 0) + (c?.deleted?.length ?? 0);
    }
  }
  return n;
}
