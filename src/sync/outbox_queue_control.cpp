// Queue control in the outbox (docs/queue_control.md): taking back an entry the server has not
// seen, and the expiry of entries that waited longer than the app allowed. Time is an argument:
// the outbox has no clock of its own.
#include <string>

#include "sync/outbox.hpp"

namespace syncore {

std::uint64_t Outbox::findMutation(const std::string& mutationId) const {
  for (const auto& [seq, entry] : log_)
    for (const std::string& id : entry.mutationIds)
      if (id == mutationId) return seq;
  return 0;
}

bool Outbox::cancellable(std::uint64_t seq) const {
  const OutboxEntry* entry = find(seq);
  // `sent`: the server may have applied it under its key (even if it landed back queued after a
  // disconnect); taking it back here would leave the server with a change the view no longer shows.
  return entry != nullptr && entry->state == OutboxEntry::State::Queued && !entry->sent;
}

std::optional<OutboxEntry> Outbox::cancel(std::uint64_t seq) {
  if (!cancellable(seq)) return std::nullopt;
  return takeOut(seq);
}

std::vector<DeadLetter> Outbox::expire(std::int64_t nowMs) {
  std::vector<DeadLetter> expired;
  if (expiring_ == 0) return expired;
  std::vector<std::uint64_t> due;
  for (const auto& [seq, entry] : log_) {
    if (entry.expireAtMs >= 0 && entry.expireAtMs <= nowMs && entry.state == OutboxEntry::State::Queued)
      due.push_back(seq);
  }
  for (std::uint64_t seq : due) {
    OutboxEntry gone = takeOut(seq);
    std::string message = "EXPIRED: not sent within its expireAfterMs of " + std::to_string(gone.expireAfterMs) +
                          " ms (" + std::to_string(gone.attempts) + " attempt" + (gone.attempts == 1 ? "" : "s") + ")";
    dead_.push_back(DeadLetter{std::move(gone), ErrorClass::Expired, std::move(message)});
    expired.push_back(dead_.back());
  }
  return expired;
}

std::int64_t Outbox::nextExpiry(std::int64_t nowMs) const {
  if (expiring_ == 0) return -1;
  std::int64_t earliest = -1;
  for (const auto& [seq, entry] : log_) {
    if (entry.expireAtMs > nowMs && (earliest < 0 || entry.expireAtMs < earliest)) earliest = entry.expireAtMs;
  }
  return earliest;
}

}  // namespace syncore
