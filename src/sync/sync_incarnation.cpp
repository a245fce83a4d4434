// Each start of a restored client issues numbers from a block of its own (see reserveIdBlock in
// sync_core.hpp). The stored counters can lag behind what the last run issued: a mutation is
// accepted (and its id handed to the app) before the write that stores it. Jumping a whole block
// past the stored counters covers any lag shorter than a block (10^9 mutations in one run).
#include "sync/sync_core.hpp"

namespace syncore {

namespace {

// The first number of the block after the one holding `next - 1` (the last number issued).
std::uint64_t nextBlock(std::uint64_t next) {
  const std::uint64_t last = next > 0 ? next - 1 : 0;
  return (last / SyncCore::kIdBlock + 1) * SyncCore::kIdBlock + 1;
}

}  // namespace

Status SyncCore::reserveIdBlock(Commit& out) {
  beginCommit(lastNow_);
  nextMutation_ = nextBlock(nextMutation_);
  nextConflict_ = nextBlock(nextConflict_);
  outbox_->skipSeqTo(nextBlock(outbox_->nextSeq()));
  markMeta();
  finishCommit(out);
  return Status::ok();
}

}  // namespace syncore
