// The CoreHandle methods of the outbox and the server's side of sync: timers and online state,
// queue control, dead letters, conflicts, persistence (restore, export, id blocks) and the full
// resync. Each reads its arguments (wasm/core_handle_args.hpp), calls the core once and answers
// its commit or error envelope; nothing here decides anything, the core does.
#include <cmath>
#include <string_view>
#include <vector>

#include "core_handle.hpp"
#include "core_handle_args.hpp"
#include "stored_restore.hpp"

namespace syncore {

namespace handle_args {

// Several JSON texts in one string, one a line: JSON.stringify never writes a raw newline, so
// each record or change crosses in one call yet is parsed (and refused) on its own.
std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  if (text.empty()) return lines;
  std::string_view rest(text);
  for (;;) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace handle_args

using namespace handle_args;

std::string CoreHandle::withCommit(CommitStep step, const std::string* mutationId) {
  Commit commit;
  Status s = step(commit);
  return commitOr(s, commit, mutationId ? *mutationId : std::string());
}

std::string CoreHandle::withTimedCommit(double nowMs, StepRef<std::int64_t, Commit&> step) {
  std::int64_t now = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return step(now, c); });
}

std::string CoreHandle::setServerLimits(const std::string& limitsJson, double nowMs) {
  json limits;
  std::int64_t now = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readJson(core_, limitsJson, limits); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return core_.setServerLimits(limits, now, c); });
}

std::string CoreHandle::setOnline(bool online, double nowMs) {
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.setOnline(online, now, c); });
}

std::string CoreHandle::tick(double nowMs) {
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.tick(now, c); });
}

std::string CoreHandle::batchTimedOut(double batch, double nowMs) {
  std::int64_t now = 0;
  std::uint32_t id = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readBatchId(batch, id); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return core_.batchTimedOut(id, now, c); });
}

std::string CoreHandle::resumeQueue(double nowMs) {
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.resumeQueue(now, c); });
}

// Queue control (docs/queue_control.md): the commit's settled events name what was cancelled.
std::string CoreHandle::cancelMutation(const std::string& mutationId, double nowMs) {
  std::vector<std::string> cancelled;
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.cancelMutation(mutationId, now, c, cancelled); });
}

std::string CoreHandle::clearQueue(double nowMs) {
  std::vector<std::string> cancelled;
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.clearQueue(now, c, cancelled); });
}

std::string CoreHandle::pendingMutations() { return envelopeValue(core_.pendingMutations()); }
std::string CoreHandle::deadLetters() { return envelopeValue(core_.deadLetters()); }
std::string CoreHandle::conflicts() { return envelopeValue(core_.conflicts()); }

std::string CoreHandle::retryDeadLetter(double seq, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t s64 = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readSeq(seq, s64); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return core_.retryDeadLetter(s64, now, c); });
}

std::string CoreHandle::editDeadLetter(double seq, const std::string& payloadJson, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t s64 = 0;
  json payload;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readJson(core_, payloadJson, payload); !s) return envelopeError(s);
  if (Status s = readSeq(seq, s64); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return core_.editDeadLetter(s64, payload, now, c); });
}

std::string CoreHandle::discardDeadLetter(double seq, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t s64 = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readSeq(seq, s64); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return core_.discardDeadLetter(s64, now, c); });
}

std::string CoreHandle::resolveConflict(const std::string& id, const std::string& resolutionJson, double nowMs) {
  std::int64_t now = 0;
  json resolution;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readJson(core_, resolutionJson, resolution); !s) return envelopeError(s);
  std::string mutationId;
  return withCommit([&](Commit& c) { return core_.resolveConflict(id, resolution, now, c, mutationId); }, &mutationId);
}

// ---- persistence ---------------------------------------------------------------------------------

std::string CoreHandle::exportRecords() { return envelopeValue(core_.exportRecords()); }

std::string CoreHandle::restore(const std::string& recordsJson) {
  json records;
  if (Status s = readJson(core_, recordsJson, records); !s) return envelopeError(s);
  sealed_.restoring(true);
  std::string out = withCommit([&](Commit& c) { return core_.restore(records, c); });
  sealed_.restoring(false);
  sealed_.restoredOutbox(highestOutboxSeq(core_));
  return out;
}

std::string CoreHandle::applyChanges(std::string_view lines, double cursor, double nowMs) {
  std::int64_t now = 0;
  std::int64_t at = -1;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  const bool hasCursor = !std::isnan(cursor);
  if (hasCursor) {
    if (Status s = readCursor(cursor, at); !s) return envelopeError(s);
  }
  Commit commit;
  Status s = core_.applyServerChanges(splitLines(lines), hasCursor, at, now, commit);
  return commitOr(s, commit, {}, ChangeIds::Lines);
}

std::string CoreHandle::clearSetAside(double nowMs) {
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.clearSetAside(now, c); });
}

std::string CoreHandle::referenceMissing(const std::string& collection, const std::string& id, double nowMs) {
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.referenceMissing(collection, id, now, c); });
}

std::string CoreHandle::restoreBegin() { return answer(core_.restoreBegin()); }

std::string CoreHandle::restoreAdd(const std::string& lines) {
  for (std::string_view record : splitLines(lines))
    if (Status s = core_.restoreAdd(record); !s) return envelopeError(s);
  return envelopeOk();
}

std::string CoreHandle::restoreAddStored() {
  std::vector<std::size_t> mismatched;
  if (Status s = restoreStoredRecords(core_, mismatched); !s) return envelopeError(s);
  std::string list = "[";
  for (std::size_t i = 0; i < mismatched.size(); ++i) list.append(i ? "," : "").append(std::to_string(mismatched[i]));
  return envelopeValueText(list.append("]"));
}

std::string CoreHandle::restoreFinish(bool entitiesLost) {
  // Restored outbox entries are never first puts (persist_records.hpp: outbox pages).
  sealed_.restoring(true);
  std::string out = withCommit([&](Commit& c) { return core_.restoreFinish(entitiesLost, c); });
  sealed_.restoring(false);
  sealed_.restoredOutbox(highestOutboxSeq(core_));
  return out;
}

std::string CoreHandle::reserveIdBlock() {
  return withCommit([&](Commit& c) { return core_.reserveIdBlock(c); });
}

std::string CoreHandle::beginResync(double nowMs) {
  return withTimedCommit(nowMs, [&](std::int64_t now, Commit& c) { return core_.beginResync(now, c); });
}

std::string CoreHandle::finishResync(double cursor, const std::string& epoch, double nowMs) {
  std::int64_t now = 0;
  std::int64_t at = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  if (Status s = readCursor(cursor, at); !s) return envelopeError(s);
  return withCommit([&](Commit& c) { return core_.finishResync(at, epoch, now, c); });
}

}  // namespace syncore
