#include "sync/outbox.hpp"

#include <algorithm>
#include <tuple>

#include "base/merge_patch.hpp"
#include "store/stored_json.hpp"

namespace syncore {

void ConfirmedBase::giveTo(PendingMeta& meta) const {
  if (text == nullptr) return;
  meta.base = nullptr;
  meta.baseText = *text;
}

json PendingMeta::baseValue() const { return baseText.empty() ? base : treeFromStored(baseText); }

json PendingMeta::takeBase() {
  json out = baseText.empty() ? std::move(base) : treeFromStored(baseText);
  base = nullptr;
  std::string().swap(baseText);
  return out;
}

bool payloadFitsKind(MutationKind kind, const json& payload) {
  return kind == MutationKind::Delete ? payload.is_null() : payload.is_object();
}

Outbox::Outbox(std::string clientId, OutboxConfig config, std::uint64_t seed)
    : clientId_(std::move(clientId)), config_(config), prng_(seed) {
  if (config_.batchSize == 0) config_.batchSize = 1;
  if (config_.maxInFlightBatches == 0) config_.maxInFlightBatches = 1;
  if (config_.backoffBaseMs < 0) config_.backoffBaseMs = 0;
  if (config_.backoffMaxMs < config_.backoffBaseMs) config_.backoffMaxMs = config_.backoffBaseMs;
}

bool Outbox::replaceMeta(std::uint64_t seq, PendingMeta meta) {
  auto it = log_.find(seq);
  if (it == log_.end()) return false;
  it->second.meta = std::move(meta);
  return true;
}

bool Outbox::requeueRebased(OutboxEntry entry, json payload, std::int64_t baseVersion) {
  if (log_.count(entry.seq) != 0 || !payloadFitsKind(entry.kind, payload)) return false;
  entry.payload = std::move(payload);
  entry.baseVersion = baseVersion;
  entry.state = OutboxEntry::State::Queued;
  entry.batch = 0;
  entry.attempts = 0;
  entry.notBeforeMs = 0;
  entry.sent = false;
  entry.key = freshKey();
  insertEntry(std::move(entry));
  return true;
}

std::string Outbox::freshKey() {
  // Written in place: `+` made a temporary per part (~300 instructions a write). Not reserved: a
  // short key stays in the string's own buffer, which reserving a guessed size would leave.
  std::string key = clientId_;
  key += ':';
  appendDecimal(key, nextSeq_++);
  return key;
}

Outbox::EntityLog* Outbox::findEntity(const std::string& collection, const std::string& entityId) {
  auto logs = index_.find(collection);
  if (logs == index_.end()) return nullptr;
  auto entity = logs->second.find(entityId);
  return entity == logs->second.end() ? nullptr : &entity->second;
}

const Outbox::EntityLog* Outbox::findEntity(const std::string& collection, const std::string& entityId) const {
  return const_cast<Outbox*>(this)->findEntity(collection, entityId);
}

Outbox::EntityLog& Outbox::fileEntity(const std::string& collection, const std::string& entityId) {
  return index_[collection].try_emplace(entityId).first->second;
}

void Outbox::dropEntity(const std::string& collection, const std::string& entityId) {
  // A collection's (empty) map stays: collections are few, and their entities come back.
  if (auto logs = index_.find(collection); logs != index_.end()) logs->second.erase(entityId);
}

bool Outbox::indexMatchesLog() const {
  std::map<EntityKey, EntityLog> walked;
  for (const auto& [seq, entry] : log_) {
    EntityLog& entity = walked[{entry.collection, entry.entityId}];
    entity.seqs.push_back(seq);
    if (entry.state == OutboxEntry::State::InFlight) ++entity.inFlight;
  }
  std::size_t entities = 0;
  bool same = true;
  forEachEntity([&](const std::string& collection, const std::string& id, const EntityLog& entity) {
    ++entities;
    auto it = walked.find({collection, id});
    same = same && it != walked.end() && it->second.seqs == entity.seqs && it->second.inFlight == entity.inFlight;
  });
  return same && entities == walked.size();
}

void Outbox::insertEntry(OutboxEntry&& moved, EntityLog* known) {
  // Filed in the log first (at its end when it is the newest, the usual case) and indexed from
  // there: the entry is moved once.
  const std::uint64_t seq = moved.seq;
  const auto hint = log_.empty() || log_.rbegin()->first < seq ? log_.end() : log_.lower_bound(seq);
  indexEntry(log_.emplace_hint(hint, seq, std::move(moved))->second, known);
}

void Outbox::indexEntry(const OutboxEntry& entry, EntityLog* known) {
  const std::uint64_t seq = entry.seq;
  EntityLog& entity = known != nullptr ? *known : fileEntity(entry.collection, entry.entityId);
  entity.seqs.insert(std::upper_bound(entity.seqs.begin(), entity.seqs.end(), seq), seq);
  if (entry.state == OutboxEntry::State::InFlight) ++entity.inFlight;
  keys_[entry.key] = seq;
  latestNotBefore_ = std::max(latestNotBefore_, entry.notBeforeMs);
  if (entry.expireAtMs >= 0) ++expiring_;
  if (entry.priority == Priority::Critical) ++critical_;
  indexMentions(entry);
  trackCreate(entry);
  countUncertain(entry, +1);
}

bool Outbox::findKey(const std::string& key, std::uint64_t& seq) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return false;
  seq = it->second;
  return true;
}

void Outbox::land(OutboxEntry& entry) {
  if (entry.state != OutboxEntry::State::InFlight) return;
  auto batch = batches_.find(entry.batch);
  if (batch != batches_.end() && --batch->second.open == 0) batches_.erase(batch);
  EntityLog* entity = findEntity(entry.collection, entry.entityId);
  if (entity != nullptr && entity->inFlight > 0) --entity->inFlight;
  entry.state = OutboxEntry::State::Queued;
  entry.batch = 0;
}

OutboxEntry Outbox::takeOut(std::uint64_t seq) {
  auto it = log_.find(seq);
  land(it->second);
  OutboxEntry entry = std::move(it->second);
  log_.erase(it);
  if (entry.expireAtMs >= 0 && expiring_ > 0) --expiring_;
  if (entry.priority == Priority::Critical && critical_ > 0) --critical_;
  unindexMentions(entry);
  untrackCreate(entry);
  countUncertain(entry, -1);
  if (auto k = keys_.find(entry.key); k != keys_.end() && k->second == seq) keys_.erase(k);
  if (EntityLog* entity = findEntity(entry.collection, entry.entityId); entity != nullptr) {
    auto& seqs = entity->seqs;
    seqs.erase(std::remove(seqs.begin(), seqs.end(), seq), seqs.end());
    if (seqs.empty()) dropEntity(entry.collection, entry.entityId);
  }
  return entry;
}

EnqueueResult Outbox::enqueue(OutboxMutation&& m) {
  EnqueueResult result;
  if (m.collection.empty() || m.entityId.empty()) {
    result.status = Status::error(ErrorCode::MissingId, "a mutation needs a collection and an entity id");
    return result;
  }
  if (m.kind == MutationKind::Delete) m.payload = nullptr;
  if (!payloadFitsKind(m.kind, m.payload)) {
    result.status = Status::error(ErrorCode::WrongType, std::string("the payload of a ") +
                                                            mutationKindName(m.kind) +
                                                            " must be an object");
    return result;
  }

  // One search of the index: the entity's entries, or (filed now, empty) where a new entity's go:
  // a new entity's mutation is always appended (below), nothing returns before.
  EntityLog& entity = fileEntity(m.collection, m.entityId);
  const bool found = !entity.seqs.empty();
  OutboxEntry* last = nullptr;
  if (found) {
    OutboxEntry& candidate = log_.find(entity.seqs.back())->second;
    // No folding while the entity may merge with a suspect (see hold): a held entity, or one whose
    // create is uncertain while its collection has suspects. Its entries keep their own seqs so
    // that a merged queue is still in the order the mutations were made.
    const OutboxEntry& first = log_.find(entity.seqs.front())->second;
    auto suspect = held_.lower_bound(EntityView{m.collection, std::string_view()});
    const bool suspects = suspect != held_.end() && suspect->first == m.collection;
    const bool mayMerge = held(m.collection, m.entityId) ||
                          (suspects && first.kind == MutationKind::Create && first.sent);
    // Queue options stay the mutation's own: an expiry is a deadline per mutation, a retry limit
    // a promise about that mutation (docs/queue_control.md).
    const bool sameOptions = candidate.maxRetries == m.maxRetries && candidate.expireAtMs < 0 && m.expireAtMs < 0;
    // Nor into an entry older than a create the mutation names: the merged entry could not wait
    // for that create's ack and would leave with its temp id (see awaitsTempCreate).
    if (candidate.state == OutboxEntry::State::Queued && !candidate.sent &&
        candidate.strategy == m.strategy && sameOptions && !mayMerge && !namesLaterCreate(candidate, m.payload)) {
      last = &candidate;
    }
  }

  if (last != nullptr) {
    const MutationKind before = last->kind;
    const bool fold = (m.kind == MutationKind::Update && before != MutationKind::Delete &&
                       (before == MutationKind::Create || mergePatchesCompose(last->payload, m.payload))) ||
                      m.kind == MutationKind::Delete;
    if (fold && m.kind == MutationKind::Delete && before == MutationKind::Create) {
      // The server never saw the create: both disappear and the entity never existed for it.
      result.outcome = EnqueueOutcome::CancelledCreate;
      result.seq = last->seq;
      OutboxEntry cancelled = takeOut(last->seq);
      cancelled.mutationIds.push_back(std::move(m.mutationId));
      result.cancelled = std::move(cancelled);
      return result;
    }
    if (fold) {
      unindexMentions(*last);  // the payload changes: indexed again below
      if (m.kind == MutationKind::Delete) {
        last->kind = MutationKind::Delete;
        last->payload = nullptr;
      } else if (before == MutationKind::Create) {
        last->payload = applyMergePatch(std::move(last->payload), m.payload);
      } else {
        composeMergePatches(last->payload, m.payload);
      }
      last->mutationIds.push_back(std::move(m.mutationId));
      if (last->priority != Priority::Critical && m.priority == Priority::Critical) ++critical_;
      last->priority = std::max(last->priority, m.priority);
      if (m.meta) {
        if (m.confirmedBase && before == MutationKind::Update && last->meta &&
            last->baseVersion == m.baseVersion) {
          last->meta->ts = std::move(m.meta->ts);  // its base is that confirmed entity already
        } else {
          m.confirmedBase.giveTo(*m.meta);
          last->meta = std::move(m.meta);
        }
      }
      indexMentions(*last);
      result.outcome = EnqueueOutcome::Coalesced;
      result.seq = last->seq;
      return result;
    }
  }

  // A new entry, made in its place at the log's end (the newest seq), not here and moved there.
  const std::uint64_t seq = nextSeq_;
  OutboxEntry& entry =
      log_.emplace_hint(log_.end(), std::piecewise_construct, std::forward_as_tuple(seq), std::forward_as_tuple())->second;
  entry.seq = seq;
  entry.key = freshKey();
  entry.mutationIds.push_back(std::move(m.mutationId));
  entry.collection = std::move(m.collection);
  entry.entityId = std::move(m.entityId);
  entry.kind = m.kind;
  entry.payload = std::move(m.payload);
  entry.baseVersion = m.baseVersion;
  entry.priority = m.priority;
  entry.strategy = std::move(m.strategy);
  if (m.meta) m.confirmedBase.giveTo(*m.meta);
  entry.meta = std::move(m.meta);
  entry.maxRetries = m.maxRetries;
  entry.expireAtMs = m.expireAtMs;
  entry.expireAfterMs = m.expireAfterMs;
  if (entry.priority == Priority::Critical) {
    // Per-entity order holds: what is queued before it goes first, so it goes as critical too.
    for (std::uint64_t earlier : entity.seqs) {
      OutboxEntry& e = log_.find(earlier)->second;
      if (e.state != OutboxEntry::State::Queued || e.priority == Priority::Critical) continue;
      e.priority = Priority::Critical;
      ++critical_;
    }
  }
  indexEntry(entry, &entity);
  result.outcome = EnqueueOutcome::Appended;
  result.seq = seq;
  return result;
}

const OutboxEntry* Outbox::find(std::uint64_t seq) const {
  auto it = log_.find(seq);
  return it == log_.end() ? nullptr : &it->second;
}

std::vector<const OutboxEntry*> Outbox::entriesFor(const std::string& collection,
                                                   const std::string& entityId) const {
  std::vector<const OutboxEntry*> out;
  const EntityLog* entity = findEntity(collection, entityId);
  if (entity == nullptr) return out;
  out.reserve(entity->seqs.size());
  for (std::uint64_t seq : entity->seqs) out.push_back(&log_.find(seq)->second);
  return out;
}

std::optional<OutboxEntry> Outbox::ack(std::uint64_t seq) {
  if (log_.find(seq) == log_.end()) return std::nullopt;
  return takeOut(seq);
}

std::int64_t Outbox::backoffCapMs(std::uint32_t attempts) const {
  // base * 2^(attempts-1), saturating at the max before the shift could overflow.
  std::int64_t cap = config_.backoffBaseMs;
  for (std::uint32_t i = 1; i < attempts && cap > 0 && cap < config_.backoffMaxMs; ++i) {
    cap = cap > config_.backoffMaxMs / 2 ? config_.backoffMaxMs : cap * 2;
  }
  return std::min(cap, config_.backoffMaxMs);
}

FailResult Outbox::fail(std::uint64_t seq, ErrorClass cls, const std::string& message,
                        std::int64_t nowMs) {
  FailResult result;
  auto it = log_.find(seq);
  if (it == log_.end() || it->second.state != OutboxEntry::State::InFlight) return result;
  OutboxEntry& entry = it->second;
  land(entry);

  const auto deadLetter = [&]() {
    OutboxEntry gone = takeOut(seq);
    result.outcome = FailOutcome::DeadLettered;
    result.entry = gone;
    dead_.push_back(DeadLetter{std::move(gone), cls, message});
  };

  switch (cls) {
    case ErrorClass::Transient:
      // The first attempt plus maxRetries retries (the entry's own limit if it has one).
      if (entry.attempts > (entry.maxRetries >= 0 ? static_cast<std::uint64_t>(entry.maxRetries)
                                                  : std::uint64_t{config_.maxRetries})) {
        deadLetter();
        break;
      }
      // Full jitter: uniform over [0, cap] spreads a crowd of retrying clients apart.
      entry.notBeforeMs = nowMs + prng_.uniform(0, backoffCapMs(entry.attempts));
      latestNotBefore_ = std::max(latestNotBefore_, entry.notBeforeMs);
      result.outcome = FailOutcome::Requeued;
      result.retryAtMs = entry.notBeforeMs;
      break;
    case ErrorClass::Auth:
      // Every entry would fail the same way until a new token arrives; this one was not at fault.
      if (entry.attempts > 0) --entry.attempts;
      paused_ = true;
      result.outcome = FailOutcome::Paused;
      result.retryAtMs = entry.notBeforeMs;
      break;
    case ErrorClass::Validation:
    case ErrorClass::Forbidden:
    case ErrorClass::TooLarge:
    case ErrorClass::Expired:
      deadLetter();
      break;
    case ErrorClass::Conflict:
      result.outcome = FailOutcome::Conflict;
      result.entry = takeOut(seq);
      break;
    case ErrorClass::Storage:
      // Local storage failed, not the server: retry after a short fixed pause, uncounted.
      if (entry.attempts > 0) --entry.attempts;
      entry.notBeforeMs = nowMs + config_.backoffBaseMs;
      latestNotBefore_ = std::max(latestNotBefore_, entry.notBeforeMs);
      result.outcome = FailOutcome::Requeued;
      result.retryAtMs = entry.notBeforeMs;
      break;
  }
  return result;
}

std::vector<FailResult> Outbox::batchTimedOut(std::uint32_t batch, std::int64_t nowMs) {
  std::vector<FailResult> results;
  auto it = batches_.find(batch);
  if (it == batches_.end()) return results;
  const std::vector<std::uint64_t> seqs = it->second.seqs;  // fail() may erase the batch
  for (std::uint64_t seq : seqs) {
    const OutboxEntry* entry = find(seq);
    if (entry == nullptr || entry->state != OutboxEntry::State::InFlight || entry->batch != batch) continue;
    results.push_back(fail(seq, ErrorClass::Transient, "batch timed out", nowMs));
  }
  return results;
}

void Outbox::onDisconnect() {
  for (auto& [seq, entry] : log_) {
    if (entry.state != OutboxEntry::State::InFlight) continue;
    land(entry);
    if (entry.attempts > 0) --entry.attempts;
  }
  batches_.clear();
}

void Outbox::onReconnect() {
  for (auto& [seq, entry] : log_) {
    if (entry.state == OutboxEntry::State::Queued) entry.notBeforeMs = 0;
  }
}

std::int64_t Outbox::wakeAt(std::int64_t nowMs) const {
  // Cheap exit for the common case (no backoff pending): every entry's notBeforeMs is at most
  // latestNotBefore_, so none can be in the future. Saves a pass over the index per commit.
  if (paused_ || latestNotBefore_ <= nowMs) return -1;
  std::int64_t earliest = -1;
  forEachEntity([&](const std::string& collection, const std::string& id, const EntityLog& entity) {
    if (entity.inFlight > 0 || held(collection, id)) return;
    const OutboxEntry& head = log_.find(entity.seqs.front())->second;
    if (head.notBeforeMs > nowMs && (earliest < 0 || head.notBeforeMs < earliest)) {
      earliest = head.notBeforeMs;
    }
  });
  return earliest;
}

DeadLetter* Outbox::findDead(std::uint64_t seq) {
  for (DeadLetter& letter : dead_) {
    if (letter.entry.seq == seq) return &letter;
  }
  return nullptr;
}

bool Outbox::retryDead(std::uint64_t seq) {
  // A refusal the server gave for certain (validation, forbidden) is stored under its key, so the same key would only
  // fetch it again: the retry goes out as a new request. A transient dead letter keeps its key,
  // since it may have been applied while its answers were lost.
  const DeadLetter* letter = findDead(seq);
  return letter != nullptr && requeueDead(seq, letter->errorClass == ErrorClass::Validation ||
                                                   letter->errorClass == ErrorClass::Forbidden);
}

bool Outbox::editDead(std::uint64_t seq, json payload) {
  DeadLetter* letter = findDead(seq);
  if (letter == nullptr || !payloadFitsKind(letter->entry.kind, payload)) return false;
  letter->entry.payload = std::move(payload);
  return requeueDead(seq, true);  // a changed payload is a new request
}

bool Outbox::requeueDead(std::uint64_t seq, bool newKey) {
  auto it = std::find_if(dead_.begin(), dead_.end(),
                         [seq](const DeadLetter& d) { return d.entry.seq == seq; });
  if (it == dead_.end()) return false;
  OutboxEntry entry = std::move(it->entry);
  dead_.erase(it);
  if (newKey) {
    entry.key = freshKey();
    entry.sent = false;  // nothing has gone out under the new key
  }
  entry.state = OutboxEntry::State::Queued;
  entry.batch = 0;
  entry.attempts = 0;
  entry.notBeforeMs = 0;
  // The app asked for it again: the old deadline no longer applies (an expired entry would
  // otherwise expire at once again).
  entry.expireAtMs = -1;
  entry.expireAfterMs = -1;
  insertEntry(std::move(entry));
  return true;
}

bool Outbox::discardDead(std::uint64_t seq) {
  auto it = std::find_if(dead_.begin(), dead_.end(),
                         [seq](const DeadLetter& d) { return d.entry.seq == seq; });
  if (it == dead_.end()) return false;
  dead_.erase(it);
  return true;
}

bool Outbox::remove(std::uint64_t seq) {
  if (log_.find(seq) == log_.end()) return false;
  takeOut(seq);
  return true;
}

bool Outbox::deadLetter(std::uint64_t seq, ErrorClass cls, std::string message) {
  auto it = log_.find(seq);
  if (it == log_.end() || it->second.state != OutboxEntry::State::Queued) return false;
  dead_.push_back(DeadLetter{takeOut(seq), cls, std::move(message)});
  return true;
}

bool Outbox::replacePayload(std::uint64_t seq, json payload, std::int64_t baseVersion) {
  auto it = log_.find(seq);
  if (it == log_.end() || it->second.state != OutboxEntry::State::Queued) return false;
  if (!payloadFitsKind(it->second.kind, payload)) return false;
  unindexMentions(it->second);
  it->second.payload = std::move(payload);
  indexMentions(it->second);
  it->second.baseVersion = baseVersion;
  return true;
}

}  // namespace syncore
