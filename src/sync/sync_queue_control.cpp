// A queue the user controls (docs/queue_control.md): cancel one unsent mutation, clear every
// unsent one, per-mutation retry limits and expiry. Cancelling is the model's own rollback: the
// entry leaves the pending log and the view is recomputed from confirmed state + what remains.
#include <algorithm>
#include <limits>

#include "sync/sync_core.hpp"
#include "sync/sync_internal.hpp"

namespace syncore {

namespace detail {

Status readQueueOptions(const MutationRequest& request, std::int64_t nowMs, OutboxMutation& m) {
  if (const json* it = &request.maxRetries; !it->is_null()) {
    std::int64_t value = -1;
    if (!int64FromJson(*it, value) || value < 0 || value > std::numeric_limits<std::int32_t>::max())
      return Status::error(ErrorCode::WrongType, "maxRetries must be a non-negative integer");
    m.maxRetries = value;
  }
  if (const json* it = &request.expireAfterMs; !it->is_null()) {
    std::int64_t value = 0;
    // At most ~100 years: nowMs + it cannot overflow.
    if (!int64FromJson(*it, value) || value <= 0 || value > (std::int64_t{1} << 52))
      return Status::error(ErrorCode::WrongType, "expireAfterMs must be a positive integer (milliseconds)");
    m.expireAfterMs = value;
    m.expireAtMs = nowMs + value;
  }
  return Status::ok();
}

}  // namespace detail

namespace {

// A create or a delete decides whether the entity exists: what was queued after it was made on
// that outcome and goes with it. An update's later entries re-apply on the state without it.
bool takesLaterEntries(const OutboxEntry& e) { return e.kind != MutationKind::Update; }

}  // namespace

void SyncCore::cancelEntry(std::uint64_t seq, const char* reason, Commit& out,
                           std::vector<std::string>& cancelled) {
  std::optional<OutboxEntry> gone = outbox_->cancel(seq);
  if (!gone) return;
  markOutbox(seq);  // the record goes
  cancelled.insert(cancelled.end(), gone->mutationIds.begin(), gone->mutationIds.end());
  settle(out, gone->mutationIds, SettleStatus::Cancelled,
         {{"seq", seq}, {"collection", gone->collection}, {"id", gone->entityId}, {"reason", reason}});
}

Status SyncCore::cancelMutation(const std::string& mutationId, std::int64_t nowMs, Commit& out,
                                std::vector<std::string>& cancelled) {
  cancelled.clear();
  const std::uint64_t seq = outbox_->findMutation(mutationId);
  if (seq == 0)
    return Status::error(ErrorCode::NotFound, "no pending mutation '" + mutationId +
                                                  "' (already settled, or a dead letter: discard it instead)");
  const OutboxEntry& entry = *outbox_->find(seq);
  const std::string sentWhy = "it has been handed to the server, which may have applied it";
  if (!outbox_->cancellable(seq))
    return Status::error(ErrorCode::AlreadySent, "mutation '" + mutationId + "' cannot be cancelled: " + sentWhy);
  // The unit that goes: the entry, and after a create or delete the entity's later entries.
  // All of it is checked first: nothing is half cancelled.
  std::vector<std::uint64_t> unit{seq};
  if (takesLaterEntries(entry)) {
    for (const OutboxEntry* later : outbox_->entriesFor(entry.collection, entry.entityId)) {
      if (later->seq <= seq) continue;
      if (!outbox_->cancellable(later->seq))
        return Status::error(ErrorCode::AlreadySent, "mutation '" + mutationId + "' cannot be cancelled: a later change of " +
                                                         entry.collection + "/" + entry.entityId + " made on it was sent");
      unit.push_back(later->seq);
    }
  }
  Collection* c = findCollection(entry.collection);
  const std::string id = entry.entityId;
  beginCommit(nowMs);
  markMeta();
  if (c != nullptr) touch(c, id, true);
  for (std::uint64_t s : unit) cancelEntry(s, s == seq ? "cancel" : "cancel-dependent", out, cancelled);
  if (c != nullptr) recomputeView(c, id);  // rolled back: confirmed state + what remains pending
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::clearQueue(std::int64_t nowMs, Commit& out, std::vector<std::string>& cancelled) {
  cancelled.clear();
  // Per entity: everything after its last sent entry goes; before it, updates go too (the sent
  // change is a patch of its own), but a create or delete stays, since a sent change was made
  // on its outcome.
  std::map<std::pair<std::string, std::string>, std::vector<const OutboxEntry*>> byEntity;
  for (const auto& [seq, entry] : outbox_->entries()) byEntity[{entry.collection, entry.entityId}].push_back(&entry);
  std::vector<std::uint64_t> doomed;
  for (const auto& [key, entries] : byEntity) {
    std::size_t lastSent = entries.size();  // none
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (!outbox_->cancellable(entries[i]->seq)) lastSent = i;
    bool keepRest = false;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const OutboxEntry* e = entries[i];
      if (!outbox_->cancellable(e->seq)) continue;
      const bool beforeSent = lastSent != entries.size() && i < lastSent;
      if (beforeSent && takesLaterEntries(*e)) keepRest = true;
      if (!(beforeSent && keepRest)) doomed.push_back(e->seq);
    }
  }
  std::sort(doomed.begin(), doomed.end());
  beginCommit(nowMs);
  markMeta();
  std::vector<std::pair<Collection*, std::string>> views;
  for (std::uint64_t seq : doomed) {
    const OutboxEntry* e = outbox_->find(seq);
    Collection* c = findCollection(e->collection);
    if (c == nullptr) continue;
    touch(c, e->entityId, true);
    views.emplace_back(c, e->entityId);
    cancelEntry(seq, "clear-queue", out, cancelled);
  }
  for (auto& [c, id] : views) recomputeView(c, id);
  finishCommit(out);
  return Status::ok();
}

// Entries past their deadline leave before anything is sent (pump): dead letters, never dropped.
void SyncCore::settleExpired(Commit& out) {
  settleDeadLetters(outbox_->expire(lastNow_), ErrorClass::Expired, out);
}

}  // namespace syncore
