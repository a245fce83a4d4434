// The one answer every binding gives, as JSON text: {"ok":true,"commit":{...}} for a call that
// committed, {"ok":true,"value":...} for one that answers a value, and {"ok":false,"error":{"code",
// "message","store"?,"key"?,"index"?}} for a failure. One failure marker for every call, and no
// "last error" to ask for afterwards.
#pragma once
#include <string>
#include <string_view>

#include "base/errors.hpp"
#include "base/json_util.hpp"
#include "sync/commit.hpp"

namespace syncore {

std::string envelopeCommit(const Commit& commit, const std::string& mutationId = std::string());
// A server batch's answer: {"ok":true,"lines":true,"commit":{...}} with the changed ids as counts,
// then each changed collection's ids on a line of its own (wire/commit_text.hpp, ChangeIds::Lines).
std::string envelopeCommitLines(const Commit& commit);
std::string envelopeValue(const json& value);
std::string envelopeValueText(std::string_view valueText);  // the value already written as JSON
std::string envelopeOk();                                   // {"ok":true}
std::string envelopeError(const Status& status);

}  // namespace syncore
