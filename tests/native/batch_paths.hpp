// One server batch through the tree path (parse, then applyServer) and through the text path
// (applyServerText, wire/server_batch_text.cpp): what each leaves behind, to be compared. The two
// must agree on everything, errors included (test_batch_text.cpp, test_canonical_batch.cpp).
#pragma once
#include <string>

#include "sync_test_util.hpp"
#include "wire/commit_text.hpp"
#include "wire/json_fast.hpp"

namespace synctest {

struct BatchOutcome {
  syncore::Status status;
  std::string commit, records, pending;
};

inline BatchOutcome applyBatch(SyncCore& core, const std::string& text, bool textPath) {
  BatchOutcome o;
  Commit c;
  if (textPath) {
    o.status = core.applyServerText(text, 5000, c);
  } else {
    json batch;
    o.status = syncore::parseJsonFast(text, batch, core.limits().forText());
    if (o.status) o.status = core.applyServer(std::move(batch), 5000, c);
  }
  o.commit = syncore::commitToText(c);
  o.records = core.exportRecords().dump();
  o.pending = core.pendingMutations().dump();
  return o;
}

inline void checkSameOutcome(const BatchOutcome& tree, const BatchOutcome& text) {
  CHECK(tree.status.code == text.status.code);
  CHECK(tree.status.message == text.status.message);
  CHECK(tree.commit == text.commit);
  CHECK(tree.records == text.records);
  CHECK(tree.pending == text.pending);
}

}  // namespace synctest
