// The outbox's suspects and their holds (see Outbox::hold): entities the server showed while a
// create of their collection was uncertain (sent, unanswered) wait until none is, and the ack
// that renames a temp id into one of them merges both queues in seq order (renameEntity), so
// per-entity order holds across the two names. uncertainCreates_ counts those creates.
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "sync/outbox.hpp"

namespace syncore {

void Outbox::hold(const std::string& collection, const std::string& entityId) {
  held_.insert({collection, entityId});
}

void Outbox::countUncertain(const OutboxEntry& entry, int delta) {
  // Only unsent entries fold or change kind, so a sent create stays one until it leaves.
  if (entry.kind != MutationKind::Create || !entry.sent) return;
  if (delta > 0) {
    ++uncertainCreates_[entry.collection];
    return;
  }
  auto it = uncertainCreates_.find(entry.collection);
  if (it != uncertainCreates_.end() && --it->second == 0) uncertainCreates_.erase(it);
}

bool Outbox::hasUncertainCreate(const std::string& collection) const {
  return uncertainCreates_.count(collection) != 0;
}

bool Outbox::releaseHolds() {
  bool released = false;
  for (auto it = held_.begin(); it != held_.end();) {
    if (hasUncertainCreate(it->first)) {
      ++it;
    } else {
      it = held_.erase(it);
      released = true;
    }
  }
  return released;
}

void Outbox::renameEntity(const std::string& collection, const std::string& from,
                          const std::string& to) {
  if (from == to || to.empty()) return;
  if (held_.erase({collection, from}) != 0) held_.insert({collection, to});
  for (DeadLetter& letter : dead_) {
    if (letter.entry.collection == collection && letter.entry.entityId == from) letter.entry.entityId = to;
  }
  EntityLog* source = findEntity(collection, from);
  if (source == nullptr) return;
  EntityLog moved = std::move(*source);
  dropEntity(collection, from);
  for (std::uint64_t seq : moved.seqs) {
    OutboxEntry& entry = log_.find(seq)->second;
    untrackCreate(entry);
    entry.entityId = to;
    trackCreate(entry);
  }
  EntityLog& target = fileEntity(collection, to);
  std::vector<std::uint64_t> merged;
  merged.reserve(target.seqs.size() + moved.seqs.size());
  std::merge(target.seqs.begin(), target.seqs.end(), moved.seqs.begin(), moved.seqs.end(),
             std::back_inserter(merged));
  target.seqs = std::move(merged);
  target.inFlight += moved.inFlight;
}

}  // namespace syncore
