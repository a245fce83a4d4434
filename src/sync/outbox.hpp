// The outbox: the ordered log of local mutations the server has not acknowledged yet, and the
// policy for what is sent when (per-entity order, priority lanes, batching, backoff, error classes,
// dead letters). The core computes the user's view by applying an entity's entries in order, so
// the outbox never drops an entry without telling the caller what became of it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "base/json_util.hpp"
#include "base/prng.hpp"
#include "sync/hlc.hpp"

namespace syncore {

// What the core keeps with a pending entry to rebase it (persisted as {"ts", "base"}): when the
// change was made, and the confirmed entity it was made on (null: none).
struct PendingMeta {
  PendingMeta() = default;
  PendingMeta(std::optional<HlcTimestamp> ts, json base) : ts(std::move(ts)), base(std::move(base)) {}

  std::optional<HlcTimestamp> ts;
  json base;
  // The base as the store's canonical text (base then null), when it was taken from the store:
  // a local write builds no tree for it, and one is parsed only where it is read (a rebase, an
  // ack's fold, persistence). Read the base through baseValue / takeBase, not `base` alone.
  std::string baseText;

  json baseValue() const;  // the base as a tree (a copy, or parsed from baseText)
  json takeBase();         // the same, moved out; both forms left empty
};

struct OutboxEntry {
  enum class State { Queued, InFlight };

  std::uint64_t seq = 0;                 // local order, strictly increasing
  std::string key;                       // idempotency key, clientId + ":" + a never reused number
  std::vector<std::string> mutationIds;  // the API-level mutations folded into this entry
  std::string collection, entityId;
  MutationKind kind = MutationKind::Update;
  json payload;                          // Create: the entity; Update: a merge patch; Delete: null
  std::int64_t baseVersion = -1;         // server version the mutation was made against (-1 none)
  Priority priority = Priority::Normal;
  std::string strategy;                  // conflict strategy override ("" = collection default)
  std::optional<PendingMeta> meta;       // persisted; none when the mutation came without one
  State state = State::Queued;
  std::uint32_t attempts = 0;
  std::int64_t notBeforeMs = 0;          // backoff: not sent before this time
  std::uint32_t batch = 0;               // batch id while in flight, 0 otherwise
  // Handed to the transport at least once: the server may have applied it under its key, so its
  // payload must not change any more (a resend would be deduplicated and the change lost).
  bool sent = false;
  // Queue control (docs/queue_control.md), persisted only when set. maxRetries: this entry's own
  // limit (-1: the config's). expireAtMs: from then on it is not sent but dead-lettered as
  // expired (-1: never); expireAfterMs is what the app asked for, kept for the message.
  std::int64_t maxRetries = -1;
  std::int64_t expireAtMs = -1;
  std::int64_t expireAfterMs = -1;
};

// The confirmed entity a mutation was made on: the store's canonical text (store/stored_json.hpp),
// borrowed from the caller's state, which must outlive the enqueue that reads it (Outbox::enqueue
// reads it at most once, before it returns, and keeps only a copy of the bytes).
struct ConfirmedBase {
  const std::string* text = nullptr;
  explicit operator bool() const { return text != nullptr; }
  // Into meta as its base, kept as text (parsed only where the base is read).
  void giveTo(PendingMeta& meta) const;
};

// What enqueue is given: one API-level mutation.
struct OutboxMutation {
  std::string mutationId;
  std::string collection, entityId;
  MutationKind kind = MutationKind::Update;
  json payload;  // Create: object; Update: object (merge patch); Delete: ignored
  std::int64_t baseVersion = -1;
  Priority priority = Priority::Normal;
  std::string strategy;
  std::optional<PendingMeta> meta;
  // When set (with meta, its base left empty): the confirmed entity the mutation was made on,
  // copied into meta's base only where an entry needs it. A fold into a queued update made on the
  // same confirmed version keeps the base it holds (the same entity: every confirmed write of an
  // entity with pending entries rebases them, moving their base and version together), so a run
  // of edits to one entity copies it once, not once per edit.
  ConfirmedBase confirmedBase;
  std::int64_t maxRetries = -1;  // see OutboxEntry
  std::int64_t expireAtMs = -1;
  std::int64_t expireAfterMs = -1;
};

enum class EnqueueOutcome {
  Appended,         // a new entry, `seq`
  Coalesced,        // folded into the queued entry `seq`
  CancelledCreate,  // a delete met the entity's unsent create: both are gone (`cancelled`)
  Rejected,         // bad input, `status` says why; nothing changed
};

struct EnqueueResult {
  EnqueueOutcome outcome = EnqueueOutcome::Rejected;
  std::uint64_t seq = 0;
  std::optional<OutboxEntry> cancelled;  // the removed create, the delete's mutation id appended
  Status status;
};

enum class FailOutcome {
  Ignored,       // no such entry in flight (unknown seq or a late answer after a disconnect)
  Requeued,      // queued again; sent from `retryAtMs` on
  Paused,        // auth: queued again and the whole outbox paused until resume()
  DeadLettered,  // moved to the dead letters (`entry`)
  Conflict,      // removed from the log and handed back (`entry`) for the conflict resolver
};

struct FailResult {
  FailOutcome outcome = FailOutcome::Ignored;
  std::optional<OutboxEntry> entry;  // DeadLettered / Conflict: the entry that left the log
  std::int64_t retryAtMs = 0;        // Requeued: the entry's new notBeforeMs
};

struct DeadLetter {
  OutboxEntry entry;
  ErrorClass errorClass = ErrorClass::Validation;
  std::string message;
};

struct OutboxConfig {
  std::size_t batchSize = 200;         // entries per batch (0 is taken as 1); 200 measured against 50-1000 in bench/temp_ids.mjs
  std::size_t maxInFlightBatches = 2;  // (0 is taken as 1)
  std::uint32_t maxRetries = 10;       // retries after the first attempt before a transient failure dead-letters
  std::int64_t backoffBaseMs = 1000;
  std::int64_t backoffMaxMs = 60000;
};

struct Batch {
  std::uint32_t id = 0;
  std::vector<std::uint64_t> seqs;  // in send order: lane by lane, by seq within a lane
};

// The bytes an entry takes in a push (as the shim will send it); the outbox does not know the
// wire format, the core does.
using EntryBytes = std::function<std::size_t(const OutboxEntry&)>;
// True when an entity's head entry must wait although the outbox would send it (it refers to an
// entity whose create is not acknowledged yet: sync_references.cpp).
using EntryWaits = std::function<bool(const OutboxEntry&)>;

class Outbox {
 public:
  Outbox(std::string clientId, OutboxConfig config, std::uint64_t seed);

  const std::string& clientId() const { return clientId_; }
  const OutboxConfig& config() const { return config_; }

  // Appends a mutation, or coalesces it with the entity's last entry when that entry is queued
  // and was never sent (see OutboxEntry::sent): Update onto Create/Update composes the payloads;
  // Delete onto Create cancels both; Delete onto Update/Delete turns the entry into the delete.
  // Entries with different strategy overrides never coalesce, nor do entries with different
  // maxRetries or with an expiry (each keeps its own deadline). Priority becomes the max of both,
  // meta the newest non-null one, baseVersion stays the earlier one. A critical entry appended
  // behind queued entries of its entity lifts them to critical (they must go first).
  // Taken apart (its strings and payload move into the entry): pass it moved; a const one is copied.
  EnqueueResult enqueue(OutboxMutation&& mutation);
  EnqueueResult enqueue(const OutboxMutation& mutation) { return enqueue(OutboxMutation(mutation)); }

  const OutboxEntry* find(std::uint64_t seq) const;
  std::vector<const OutboxEntry*> entriesFor(const std::string& collection,
                                             const std::string& entityId) const;  // in order
  const std::map<std::uint64_t, OutboxEntry>& entries() const { return log_; }
  std::uint64_t nextSeq() const { return nextSeq_; }
  // Moves the key counter on (never back): the keys below `next` are never issued (again).
  void skipSeqTo(std::uint64_t next) { nextSeq_ = std::max(nextSeq_, next); }
  // The entry holding an idempotency key (acks and echoes name it): O(1), not a scan of the log.
  bool findKey(const std::string& key, std::uint64_t& seq) const;
  std::size_t size() const { return log_.size(); }  // queued + in flight
  // A check for tests: the entity index (each entity's entries in seq order, its in-flight count)
  // is exactly what a walk of the log gives.
  bool indexMatchesLog() const;
  std::size_t inFlightBatches() const { return batches_.size(); }

  // The next batch to send at nowMs, or nullopt (paused, too many batches in flight, nothing
  // eligible). Eligible: queued, past its backoff, the entity's first entry, and no entry of its
  // entity in flight. Critical lane first, then High, Normal, Low; by seq within a lane.
  // While maxInFlightBatches batches are out, critical entries still go, in batches of their own
  // (at most as many again): critical never waits behind normal batches.
  // With a byte limit (setBatchLimits) and bytesOf, the batch also stays within the byte limit:
  // entries after the first that would pass it wait for the next batch, and an entry that alone
  // is over the limit goes to the dead letters (TooLarge; collect them with takeTooLarge before
  // the next call: what was queued behind them must not go out either). nullopt when every
  // entry it looked at was too large: call again.
  // waits: a head it answers true for is not a candidate this time (nor are its entity's later entries).
  // Nor is a head never sent whose payload names a temp id (as a string value) whose create is
  // still in the log with a lower seq (queued or in flight): sent now it would reach the server
  // with the temp id, which the create's ack renames only in what is still queued. It goes once
  // that ack has renamed it (see awaitsTempCreate).
  std::optional<Batch> takeBatch(std::int64_t nowMs, const EntryBytes& bytesOf = nullptr,
                                 const EntryWaits& waits = nullptr);

  // The server's limits on one push (its `welcome`): at most maxCount entries (0: only the
  // config's batchSize) and maxBytes bytes of entries, commas included (0: no byte limit).
  void setBatchLimits(std::size_t maxCount, std::size_t maxBytes);
  std::size_t maxBatchBytes() const { return maxBatchBytes_; }
  // The entries takeBatch moved to the dead letters as too large since the last call.
  std::vector<DeadLetter> takeTooLarge();

  // The server applied the entry (in flight or not: a late ack after a disconnect still counts).
  // Returns the removed entry, nullopt for an unknown seq.
  std::optional<OutboxEntry> ack(std::uint64_t seq);
  // The server (or transport) failed an in-flight entry; the error class picks the policy.
  FailResult fail(std::uint64_t seq, ErrorClass cls, const std::string& message, std::int64_t nowMs);
  // Every entry of the batch still in flight fails as Transient.
  std::vector<FailResult> batchTimedOut(std::uint32_t batch, std::int64_t nowMs);

  // The connection dropped: in-flight entries are queued again with the same keys (the server
  // dedups the resend); the attempt is not counted, a lost connection is not the entry's fault.
  void onDisconnect();
  // Clears every backoff so the queue drains at once.
  void onReconnect();

  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  bool paused() const { return paused_; }

  // When takeBatch may next have something that only time is holding back: the earliest
  // notBeforeMs > nowMs among entries otherwise eligible; -1 if none (or paused).
  std::int64_t wakeAt(std::int64_t nowMs) const;

  // ---- queue control (outbox_queue_control.cpp, docs/queue_control.md) ----
  // The log entry holding an API-level mutation id, 0 if none.
  std::uint64_t findMutation(const std::string& mutationId) const;
  // May the entry be taken back? Queued and never handed to the transport (not `sent`).
  bool cancellable(std::uint64_t seq) const;
  // Removes a cancellable entry and returns it; nullopt when unknown or not cancellable.
  std::optional<OutboxEntry> cancel(std::uint64_t seq);
  // Queued entries whose expireAtMs has come (nowMs >= expireAtMs) move to the dead letters
  // (Expired) and are returned, in seq order. In-flight entries wait for their answer.
  std::vector<DeadLetter> expire(std::int64_t nowMs);
  // The earliest expireAtMs > nowMs among queued entries, -1 if none (a wake for expire()).
  std::int64_t nextExpiry(std::int64_t nowMs) const;

  const std::vector<DeadLetter>& deadLetters() const { return dead_; }
  // Back into the log at its place by seq, attempts and backoff reset; a validation refusal
  // gets a fresh key (the server stored its refusal under the old one).
  bool retryDead(std::uint64_t seq);
  // New payload (must fit the kind), then retry. The entry gets a fresh key: the old one may
  // already be applied on the server, which would deduplicate the edited resend.
  bool editDead(std::uint64_t seq, json payload);
  bool discardDead(std::uint64_t seq);

  // Drops an entry the core decided against (e.g. a conflict resolved for the server).
  bool remove(std::uint64_t seq);
  // Moves a queued entry straight to the dead letters: one that cannot be sent any more, such as
  // an update made on top of a create that was dead-lettered. False if unknown or in flight.
  bool deadLetter(std::uint64_t seq, ErrorClass cls, std::string message);
  // Rebase: new payload (must fit the kind) and base version of a queued entry; false if the
  // entry is unknown or in flight (what the server is processing cannot change under it).
  bool replacePayload(std::uint64_t seq, json payload, std::int64_t baseVersion);
  // Replaces the meta of an entry (the rebase base and timestamp).
  bool replaceMeta(std::uint64_t seq, PendingMeta meta);
  // Puts back an entry that fail(Conflict) handed out, rebased by the resolver: at its place by
  // seq, queued, with a fresh key (the server answered the old key with a conflict).
  bool requeueRebased(OutboxEntry entry, json payload, std::int64_t baseVersion);

  // Suspects: entities the server showed for the first time while a create of their collection
  // was uncertain (sent, unanswered): one of them may be that create under its server id, which
  // only its ack will tell. A suspect's entries wait until no create of the collection is
  // uncertain, so that an ack renaming the temp id into the suspect merges both queues in their
  // order before either goes out (per-entity order holds across the two names).
  void hold(const std::string& collection, const std::string& entityId);
  bool hasUncertainCreate(const std::string& collection) const;
  // Lifts the holds of collections without an uncertain create; true if any was lifted.
  bool releaseHolds();

  // Temp id → server id: every entry and dead letter of the entity is renamed. Merges with
  // entries already filed under `to`, keeping seq order.
  void renameEntity(const std::string& collection, const std::string& from, const std::string& to);

  // The seqs (ascending) of log entries whose payload may hold the string `value` somewhere: for a
  // temp id ("tmp-…") the entries that mention it, from an index kept as payloads change, so an
  // ack's rename touches only those (not every pending payload: that made N creates cost N²);
  // for any other string, every entry.
  std::vector<std::uint64_t> entriesMentioning(const std::string& value) const;
  // True when the entry, never sent, names a temp id other than its own entity's whose create is
  // in the log with a lower seq: it must not leave before that create's ack renames the id.
  // Only earlier creates count, so waits can never form a cycle (an entry naming a later create,
  // possible only through an entry put back from the dead letters, goes as it is).
  bool awaitsTempCreate(const OutboxEntry& entry) const;

  // The whole durable state (entries, dead letters, counters, paused flag, PRNG state, held
  // entities). The client id and config are not part of it: they come from the constructor.
  json toJson() const;
  // toJson without entries and dead letters: counters, paused flag, PRNG, held entities. The core
  // persists entries one record each and rebuilds the whole document for fromJson on restart.
  json headerToJson() const;
  // dumpJson(headerToJson()) appended to out, written without the tree (records/record_text.hpp).
  void appendHeaderText(std::string& out) const;
  // Replaces out's durable state with the one in `state`, validated first: on error out is left
  // untouched. In-flight entries come back queued with the same keys, as after a disconnect.
  static Status fromJson(const json& state, Outbox& out);
  // The same, record by record: an entry or dead letter that cannot be read (or repeats a seq or
  // key) is left out and listed in skipped instead of failing the whole state. Only a bad header
  // fails it.
  struct SkippedEntry {
    bool deadLetter = false;
    std::size_t index = 0;  // in state.entries or state.deadLetters
    Status status;
  };
  static Status fromJson(const json& state, Outbox& out, std::vector<SkippedEntry>* skipped);

 private:
  using EntityKey = std::pair<std::string, std::string>;  // collection, entity id
  // The same pair borrowed (an entry's own strings): held_ is searched with it, no copies made.
  using EntityView = std::pair<std::string_view, std::string_view>;
  // EntityKey's own order (by collection, then id), comparing an EntityKey with an EntityView too.
  struct EntityKeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const int c = std::string_view(a.first).compare(std::string_view(b.first));
      return c != 0 ? c < 0 : std::string_view(a.second) < std::string_view(b.second);
    }
  };
  struct EntityLog {
    std::vector<std::uint64_t> seqs;  // ascending
    std::size_t inFlight = 0;
  };
  struct BatchState {
    std::vector<std::uint64_t> seqs;
    std::size_t open = 0;  // entries of the batch still in flight
  };

  // The entity index, collection -> entity id -> its entries: hashed, searched with the entry's
  // own strings (an ordered map's string compares down ~17 levels were ~5 % of a local write into
  // a large log, issue 15). Nothing may depend on its order: takeBatch sorts what it asks `waits`
  // about (the events that asks for are in entity order) and its candidates; wakeAt takes a minimum.
  using EntityLogs = std::unordered_map<std::string, EntityLog>;
  using EntityIndex = std::unordered_map<std::string, EntityLogs>;
  EntityLog* findEntity(const std::string& collection, const std::string& entityId);
  const EntityLog* findEntity(const std::string& collection, const std::string& entityId) const;
  EntityLog& fileEntity(const std::string& collection, const std::string& entityId);  // found or made
  void dropEntity(const std::string& collection, const std::string& entityId);
  // Calls fn(collection, entityId, EntityLog&) for every entity, in no particular order.
  template <class Fn>
  void forEachEntity(Fn&& fn) const {
    for (const auto& [collection, logs] : index_)
      for (const auto& [id, entity] : logs) fn(collection, id, entity);
  }
  bool held(const std::string& collection, const std::string& entityId) const {
    return !held_.empty() && held_.count(EntityView{collection, entityId}) != 0;
  }
  // entity: the entry's entity log when the caller has it already (it may be empty), else null.
  void insertEntry(OutboxEntry&& entry, EntityLog* entity = nullptr);  // files by seq into log and index
  void indexEntry(const OutboxEntry& entry, EntityLog* entity);  // an entry in log_: the rest of insertEntry
  OutboxEntry takeOut(std::uint64_t seq);         // removes from log, index and batch
  void land(OutboxEntry& entry);                  // in flight → queued
  std::string freshKey();
  void indexMentions(const OutboxEntry& entry);    // its payload's temp ids -> mentions_
  void unindexMentions(const OutboxEntry& entry);
  // tempCreates_ upkeep: an entry that is a create of a temp id is filed under that id.
  void trackCreate(const OutboxEntry& entry);
  void untrackCreate(const OutboxEntry& entry);
  // uncertainCreates_ upkeep: a create that has gone out at least once counts for its collection
  // from the time it is marked sent (or filed already sent) until it leaves the log.
  void countUncertain(const OutboxEntry& entry, int delta);
  // True when folding `patch` into the queued entry `into` would make it name a temp id created
  // later than it (it could then never wait for that create: see awaitsTempCreate).
  bool namesLaterCreate(const OutboxEntry& into, const json& patch) const;
  bool requeueDead(std::uint64_t seq, bool newKey);
  std::int64_t backoffCapMs(std::uint32_t attempts) const;
  DeadLetter* findDead(std::uint64_t seq);

  std::string clientId_;
  OutboxConfig config_;
  Prng prng_;
  std::map<std::uint64_t, OutboxEntry> log_;
  EntityIndex index_;
  std::unordered_map<std::string, std::uint64_t> keys_;  // idempotency key -> seq, entries in log_
  std::int64_t latestNotBefore_ = 0;  // >= every notBeforeMs in log_ (an upper bound, for wakeAt)
  std::map<std::uint32_t, BatchState> batches_;
  std::vector<DeadLetter> dead_;
  std::set<EntityKey, EntityKeyLess> held_;  // ordered: persisted in this order
  // Temp id -> seqs of log entries whose payload holds it as a string value (see entriesMentioning).
  std::unordered_map<std::string, std::set<std::uint64_t>> mentions_;
  // Seq -> the temp ids its payload holds other than its own entity id (entries naming none are
  // absent): what awaitsTempCreate checks, without walking the payload.
  std::unordered_map<std::uint64_t, std::vector<std::string>> mentionedBy_;
  // Temp id -> seqs of the creates of an entity under that id still in the log.
  std::unordered_map<std::string, std::set<std::uint64_t>> tempCreates_;
  // Collection -> creates in log_ already sent (hasUncertainCreate): asked once per id a server
  // batch shows for the first time, so a count, not a walk of the whole log.
  std::unordered_map<std::string, std::size_t> uncertainCreates_;
  std::uint64_t nextSeq_ = 1;
  std::uint32_t nextBatch_ = 1;
  std::size_t serverMaxCount_ = 0;  // setBatchLimits; not persisted (every welcome says it again)
  std::size_t maxBatchBytes_ = 0;
  std::vector<DeadLetter> tooLarge_;
  std::size_t expiring_ = 0;  // entries in log_ with an expireAtMs (0: expire() has nothing to do)
  // Entries in log_ of the critical lane: while the in-flight batches are full only they may go,
  // so without any takeBatch answers at once instead of scanning every entity (once per commit).
  std::size_t critical_ = 0;
  bool paused_ = false;
};

json outboxEntryToJson(const OutboxEntry& entry);
json pendingMetaToJson(const std::optional<PendingMeta>& meta);  // null when none
std::optional<PendingMeta> pendingMetaFromJson(const json& value);  // none unless an object
Status outboxEntryFromJson(const json& value, const std::string& where, OutboxEntry& out);

// True when the payload has the shape the kind needs (objects for create/update, null for delete).
bool payloadFitsKind(MutationKind kind, const json& payload);

}  // namespace syncore
