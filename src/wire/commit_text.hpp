// A commit as the JSON text the JS side parses, written straight into one string: the same
// document as dumpJson(commitToJson(commit)) plus "mutationId", without building (and deep-copying
// effects and events into) an intermediate json tree. This is the hot boundary crossing of every
// mutate and every server batch.
#pragma once
#include <string>

#include "sync/commit.hpp"

namespace syncore {

std::string commitToText(const Commit& commit, const std::string& mutationId = std::string());
void appendCommitText(std::string& out, const Commit& commit, const std::string& mutationId = std::string());

}  // namespace syncore
