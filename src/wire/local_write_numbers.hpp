// The plain local write's answer as numbers (issue 15 item 2: one crossing, no text to decode or
// parse where there is none). The same commit as appendLocalWriteText's short array
// (wire/commit_text.hpp), but its fixed fields are doubles JS reads through a Float64Array view
// of wasm memory (js/wasm_text.js), and the strings JS already holds do not cross at all: the
// collection and, when the request named it as a string, the id are the request's own; the
// mutation id is the client id JS last received + "#" + a number. Text crosses only for what JS
// cannot know, as one small JSON array: an id the core chose, a client id that changed since the
// last such answer, and the effects.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sync/commit.hpp"

namespace syncore {

// Where each field sits in the numbers (doubles).
enum LocalWriteSlot : std::size_t {
  kViewFromRequest = 0,  // 0 | 1
  kHow,                  // 0 created | 1 updated | 2 deleted
  kMutationNumber,       // the n of "<clientId>#<n>"
  kCursor,
  kPending,
  kDeadLetters,
  kConflicts,
  kSetAside,
  kResyncing,  // 0 | 1
  kTextParts,  // which parts the text holds: kIdText | kClientIdText | kEffectsText
  kNotifyCount,
  kNotifyFirst,  // then the notified subscriptions, kNotifyCount of them
};
// The text's parts, always in this order as a JSON array [id | null, clientId | null, effects?].
enum LocalWriteText : int { kIdText = 1, kClientIdText = 2, kEffectsText = 4 };

// The answer of a plain local write (the commit has its mutation id): the numbers, and the text
// (cleared; empty when no part is needed). requestId: the request's id when it was a string (JS
// holds it), else empty. clientId: the core's; sentClientId: the client id the last numbers
// answer carried (updated when this one carries a new one). False, with nothing written, when the
// commit is not that plain or its mutation id is not clientId#n: the caller answers text.
bool writeLocalWriteNumbers(std::vector<double>& numbers, std::string& text, const Commit& commit,
                            const std::string& mutationId, bool viewFromRequest, std::string_view requestId,
                            const std::string& clientId, std::string& sentClientId);

}  // namespace syncore
