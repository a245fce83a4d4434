// A commit as the JSON text the JS side parses, written straight into one string: the same
// document as dumpJson(commitToJson(commit)) plus "mutationId", without building (and deep-copying
// effects and events into) an intermediate json tree. This is the hot boundary crossing of every
// mutate and every server batch.
#pragma once
#include <string>
#include <vector>

#include "sync/commit.hpp"

namespace syncore {

// How a commit's changed ids are written. Inline: in the document, "changes": {collection:
// {"created": [...], "deleted": [...], "updated": [...]}}. Lines (a server batch's answer): the
// document's "changes" holds only the counts, {collection: [created, deleted, updated]}, and each
// of those collections' {"created", "deleted", "updated"} object follows the document on a line of
// its own (appendChangeLines), in the same order. JS parses a line only when something reads that
// collection's ids (js/change_lines.js): parsing the ~500 ids of a W3 batch cost more in JS than
// anything else it did with the answer, and most batches are read by nobody.
enum class ChangeIds { Inline, Lines };

std::string commitToText(const Commit& commit, const std::string& mutationId = std::string());
void appendCommitText(std::string& out, const Commit& commit, const std::string& mutationId = std::string(),
                      ChangeIds ids = ChangeIds::Inline);
// "\n" + one collection's change object, for each collection the commit changed (ChangeIds::Lines).
// A line holds no raw newline: the JSON writer escapes every control character in a string.
void appendChangeLines(std::string& out, const Commit& commit);

// The plain local write's short answer (js/local_write_answer.js reads it back into the same
// commit): one entity created, updated or deleted, its one "queued" event, no query, rename or
// view; a JSON array, not an object of objects, because parsing the commit's eleven small objects
// and arrays in JS cost more than the rest of a W1 write there:
//   [viewFromRequest 0|1, collection, 0 created | 1 updated | 2 deleted, id, mutationId, cursor,
//    pending, deadLetters, conflicts, setAside, resyncing 0|1, [notify...], [effects...]?]
// Appends nothing and answers false when the commit is not that plain.
bool appendLocalWriteText(std::string& out, const Commit& commit, const std::string& mutationId, bool viewFromRequest);

// Whether the commit is that plain local write; then its one changed entity's collection and id
// (pointers into the commit) and how it changed (0 created, 1 updated, 2 deleted).
bool plainLocalWrite(const Commit& commit, const std::string& mutationId, const std::string*& collection,
                     const std::string*& id, int& how);
// The effects as the JSON array the shim reads ([{"type": name, ...fields}, ...]).
void appendEffectsText(std::string& out, const std::vector<Effect>& effects);

}  // namespace syncore
