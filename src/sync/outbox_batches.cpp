// Choosing what the outbox sends next: per-entity order, priority lanes, the batch size and the
// server's limits on one push (count and bytes). An entry that alone exceeds the byte limit can
// never be sent: it goes to the dead letters (TooLarge) instead of being retried forever.
#include <algorithm>
#include <string>

#include "sync/outbox.hpp"

namespace syncore {

namespace {

constexpr std::size_t kLanes = 4;

std::size_t laneOf(Priority p) { return static_cast<std::size_t>(p); }

}  // namespace

std::optional<Batch> Outbox::takeBatch(std::int64_t nowMs, const EntryBytes& bytesOf, const EntryWaits& waits) {
  // Full: only critical entries may still go, in batches of their own, up to as many again.
  const bool full = batches_.size() >= config_.maxInFlightBatches;
  if (paused_ || batches_.size() >= 2 * config_.maxInFlightBatches) return std::nullopt;
  if (full && critical_ == 0) return std::nullopt;  // nothing could go: no need to look
  // Only an entity's head can be eligible, so one pass over the index finds every candidate.
  std::vector<const OutboxEntry*> heads;
  forEachEntity([&](const std::string& collection, const std::string& id, const EntityLog& entity) {
    if (entity.inFlight > 0 || held(collection, id)) return;
    const OutboxEntry& head = log_.find(entity.seqs.front())->second;
    if (head.notBeforeMs > nowMs || (full && head.priority != Priority::Critical)) return;
    if (awaitsTempCreate(head)) return;  // its temp id's create first, then the rename
    heads.push_back(&head);
  });
  if (waits) {
    // waits may add to the commit (a reference asked for): asked in entity order, not the hash's.
    std::sort(heads.begin(), heads.end(), [](const OutboxEntry* a, const OutboxEntry* b) {
      return EntityKeyLess()(EntityView{a->collection, a->entityId}, EntityView{b->collection, b->entityId});
    });
  }
  std::vector<std::pair<std::size_t, std::uint64_t>> candidates;  // (inverted lane, seq)
  candidates.reserve(heads.size());
  for (const OutboxEntry* head : heads) {
    if (waits && waits(*head)) continue;
    candidates.emplace_back(kLanes - 1 - laneOf(head->priority), head->seq);
  }
  if (candidates.empty()) return std::nullopt;
  std::size_t maxCount = config_.batchSize;
  if (serverMaxCount_ > 0) maxCount = std::min(maxCount, serverMaxCount_);
  const std::size_t count = std::min(candidates.size(), maxCount);
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                    candidates.end());

  const bool sized = maxBatchBytes_ > 0 && bytesOf;
  std::vector<std::uint64_t> chosen;
  chosen.reserve(count);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t seq = candidates[i].second;
    if (sized) {
      const std::size_t size = bytesOf(log_.find(seq)->second);
      if (size > maxBatchBytes_) {
        // Alone over what the server takes: sending it would only be refused, again and again.
        OutboxEntry gone = takeOut(seq);
        std::string message = "TOO_LARGE: this change is " + std::to_string(size) +
                               " bytes as sent; the server takes at most " + std::to_string(maxBatchBytes_) +
                               " bytes of changes per push";
        dead_.push_back(DeadLetter{std::move(gone), ErrorClass::TooLarge, std::move(message)});
        tooLarge_.push_back(dead_.back());
        continue;
      }
      const std::size_t next = bytes + size + (chosen.empty() ? 0 : 1);  // a comma between entries
      if (next > maxBatchBytes_) break;  // the rest wait for the next batch
      bytes = next;
    }
    chosen.push_back(seq);
  }
  if (chosen.empty()) return std::nullopt;

  Batch batch;
  batch.id = nextBatch_++;
  if (nextBatch_ == 0) nextBatch_ = 1;  // 0 means "not in a batch"
  for (std::uint64_t seq : chosen) {
    OutboxEntry& entry = log_.find(seq)->second;
    entry.state = OutboxEntry::State::InFlight;
    entry.batch = batch.id;
    if (!entry.sent) {
      entry.sent = true;
      countUncertain(entry, +1);
    }
    ++entry.attempts;
    ++findEntity(entry.collection, entry.entityId)->inFlight;
  }
  batch.seqs = std::move(chosen);
  batches_[batch.id] = BatchState{batch.seqs, batch.seqs.size()};
  return batch;
}

void Outbox::setBatchLimits(std::size_t maxCount, std::size_t maxBytes) {
  serverMaxCount_ = maxCount;
  maxBatchBytes_ = maxBytes;
}

std::vector<DeadLetter> Outbox::takeTooLarge() {
  std::vector<DeadLetter> out;
  out.swap(tooLarge_);
  return out;
}

}  // namespace syncore
