// The core's facade: confirmed state + pending log = view, behind one deterministic API. Input
// arrives in batches (server data, local mutations, connectivity, time); every call is one commit
// that answers with what the view changed, whom to notify, and the effects for the shim to carry
// out in order (persist these records, then send this batch, wake me at t).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/change_set.hpp"
#include "sync/commit.hpp"
#include "store/collection.hpp"
#include "sync/conflict_resolver.hpp"
#include "base/errors.hpp"
#include "sync/hlc.hpp"
#include "sync/mutation_request.hpp"
#include "base/json_util.hpp"
#include "store/live_query.hpp"
#include "sync/outbox.hpp"
#include "store/query_cache.hpp"
#include "wire/server_batch.hpp"
#include "store/subscriptions.hpp"
#include "records/redaction.hpp"

namespace syncore {


// Per-collection sync settings (defineCollection options beyond idField).
struct CollectionSyncOptions {
  Strategy strategy = Strategy::ServerWins;
  MergeRules mergeRules;
  Priority priority = Priority::Normal;
  bool persist = true;
  SensitiveFields sensitive;  // left out of every persisted record (records/redaction.hpp)
  // field -> the collection whose entity it names (docs/references.md): a mutation setting one is
  // sent only once that entity exists on the server (sync_references.cpp).
  std::map<std::string, std::string> references;
};

// A conflict parked by the manual strategy (or a custom resolver that could not decide).
struct ParkedConflict {
  std::string id;
  std::string collection, entityId;
  MutationKind kind = MutationKind::Update;
  json base, local, remote, patch;
  std::int64_t remoteVersion = -1;
  std::vector<std::string> mutationIds;
  std::vector<std::string> paths;
  std::string strategy;
};

class SyncCore {
 public:
  explicit SyncCore(ParseLimits limits = {});
  ~SyncCore();
  SyncCore(SyncCore&&) noexcept;
  SyncCore& operator=(SyncCore&&) noexcept;

  const ParseLimits& limits() const { return limits_; }
  void setLimits(const ParseLimits& limits) { limits_ = limits; }

  // ---- state manager (sync_core.cpp) --------------------------------------------------------

  // options: {"idField", "strategy", "mergeRules": {"default", "fields": {path: rule}},
  // "priority", "persist"}. Redefining with the same options is a no-op; otherwise an error.
  Status defineCollection(const std::string& name, const json& options);
  bool hasCollection(const std::string& name) const { return collections_.count(name) != 0; }

  // Server input. batch: an array of operations, or {"ops": [...], "cursor": n}:
  //   {"op":"upsert","collection","id"?,"version","data", "origin"?, "ts"?}   a remote change
  //   {"op":"delete","collection","id","version", "origin"?, "ts"?}
  //   {"op":"load","collection","entities":[{"id"?,"version","data"}]}        bulk load
  //   {"op":"ack","key","version"?,"id"?,"data"?}       the server applied a pushed mutation
  //   {"op":"reject","key","class","message"?}          it refused one (transient/auth/validation/storage)
  //   {"op":"conflict","key","version","data","ts"?}    its version check failed; data = server's entity
  // The whole batch is validated before anything is applied: on error nothing changes.
  Status applyServer(json batch, Commit& out) { return applyServer(std::move(batch), lastNow_, out); }
  Status applyServer(json batch, std::int64_t nowMs, Commit& out);
  // The same from the batch's text (what the binding receives): operations are decoded straight
  // from it (wire/server_batch_text.cpp), the tree path taken only for what that leaves to it.
  Status applyServerText(std::string_view text, std::int64_t nowMs, Commit& out);

  // Server changes one by one (catch-up chunks, live changes): each text is one operation as
  // applyServer takes them, read on its own. A change that cannot be read or applied is set
  // aside, never half applied: a {"type":"set-aside","changes":[{index, collection, id, code,
  // message, raw}]} effect, placed before the persist effect that moves the cursor, hands it to
  // the shim to keep, and a "change-set-aside" event tells the app. The cursor, when given, moves:
  // every change was either applied or set aside. The count of changes set aside is persisted
  // (stats().setAside) until clearSetAside().
  Status applyServerChanges(const std::vector<std::string_view>& changes, bool hasCursor,
                            std::int64_t cursor, std::int64_t nowMs, Commit& out);
  Status clearSetAside(std::int64_t nowMs, Commit& out);
  std::uint64_t setAsideCount() const { return setAside_; }

  Status get(const std::string& collection, const std::string& id, EntityRef& out) const;
  Status list(const std::string& collection, json& out) const;
  Status count(const std::string& collection, std::size_t& out) const;
  Status entityVersion(const std::string& collection, const std::string& id,
                       std::int64_t& out) const;
  Status compact(const std::string& collection, std::int64_t upToVersion, std::size_t& dropped);
  std::int64_t cursor() const { return cursor_; }

  Status openQuery(const json& spec, QueryUpdate& out);
  Status queryResult(std::uint32_t query, QueryUpdate& out) const;
  Status closeQuery(std::uint32_t query);

  Status subscribe(const std::string& collection, const std::string& id, std::uint32_t& out);
  Status unsubscribe(std::uint32_t sub);

  QueryCache& cache() { return cache_; }
  const QueryCache& cache() const { return cache_; }

  json stats() const;
  CommitCounts counts() const;  // what every commit carries

  // ---- sync (sync_mutations.cpp) ------------------------------------------------------------

  // {"clientId", "seed", "persist", "batchSize", "maxInFlightBatches", "maxRetries",
  //  "backoffBaseMs", "backoffMaxMs", "maxClockDriftMs"}. Before any mutation; a restore may
  // replace the client id with the persisted one.
  Status configureClient(const json& config);
  const std::string& clientId() const { return clientId_; }

  // {"collection", "op": "create"|"update"|"delete", "id"?, "data"? (create: the entity;
  //  update: the edited entity, diffed against the view), "patch"? (update: a merge patch),
  //  "priority"?, "strategy"?}. mutationId is empty when the update changed nothing. withView:
  //  the commit also carries the written entity's view, for a caller that shows it next (a view
  //  nobody reads costs a copy here and a parse in JS on every write).
  Status mutate(const json& request, std::int64_t nowMs, Commit& out, std::string& mutationId, bool withView = true);
  // The same, its fields already read (the boundary reads a request text straight into one).
  Status mutate(MutationRequest&& request, std::int64_t nowMs, Commit& out, std::string& mutationId, bool withView = true);

  Status setOnline(bool online, std::int64_t nowMs, Commit& out);
  bool online() const { return online_; }
  Status tick(std::int64_t nowMs, Commit& out);  // timers: backoff expiry
  Status batchTimedOut(std::uint32_t batch, std::int64_t nowMs, Commit& out);
  Status resumeQueue(std::int64_t nowMs, Commit& out);  // after auth-required, with a new token

  // ---- queue control (sync_queue_control.cpp, docs/queue_control.md) ----------------------

  // Takes back a mutation the server has not seen (queued, never sent): its outbox entry goes,
  // with every mutation folded into it; a create or delete takes the entity's later entries with
  // it (they were made on its outcome); later updates stay and re-apply on the state without it.
  // The view is recomputed, each mutation settles as cancelled, `cancelled` lists them. NotFound:
  // no pending mutation of that id; AlreadySent: it (or a dependent) may have reached the server,
  // and nothing changes.
  Status cancelMutation(const std::string& mutationId, std::int64_t nowMs, Commit& out,
                        std::vector<std::string>& cancelled);
  // Cancels everything unsent (entries sent once, in flight or not, stay); `cancelled` in order.
  Status clearQueue(std::int64_t nowMs, Commit& out, std::vector<std::string>& cancelled);

  json pendingMutations() const;  // the outbox, in order
  json deadLetters() const;
  Status retryDeadLetter(std::uint64_t seq, std::int64_t nowMs, Commit& out);
  Status editDeadLetter(std::uint64_t seq, const json& payload, std::int64_t nowMs, Commit& out);
  Status discardDeadLetter(std::uint64_t seq, std::int64_t nowMs, Commit& out);

  json conflicts() const;
  // resolution: {"choice": "local" | "remote" | "merged", "value"?}; a kept change becomes a new
  // mutation (its id in mutationId).
  Status resolveConflict(const std::string& id, const json& resolution, std::int64_t nowMs,
                         Commit& out, std::string& mutationId);

  // The server's limits from its welcome: {"maxMessageBytes", "maxBatchMutations",
  // "maxEntityBytes", "maxDepth"} (each optional, a positive integer). Pushes are cut to them; an
  // entry that alone is over the push limit becomes a dead letter (too-large); create and update
  // refuse a change over them with TooLarge (server_limits.cpp).
  Status setServerLimits(const json& limits, std::int64_t nowMs, Commit& out);

  // ---- references between entities (sync_references.cpp) ---------------------------------

  // The server says collection/id does not exist (or is not the user's to read), in answer to a
  // "reference-needed" event: every queued entry that refers to it goes to the dead letters
  // (REFERENCE_MISSING). When it does exist, the shim applies it as a server upsert instead.
  Status referenceMissing(const std::string& collection, const std::string& id, std::int64_t nowMs, Commit& out);

  // Not owned; null to remove. Used by collections whose strategy is custom.
  void setCustomResolver(const std::string& collection, CustomResolver* resolver);

  // ---- full resync (sync_resync.cpp) --------------------------------------------------------

  // The server's database changed (another epoch, a cursor behind ours) or our cursor is older
  // than its horizon: its catch-up from 0 replaces the confirmed state. Between begin and finish,
  // server changes are the server's word (their versions taken even when lower) and the cursor
  // does not move; finish removes every confirmed entity the resync did not bring (subscribers
  // told, pending entries rebased on the removal), sets the cursor to the server's (even if lower)
  // and the epoch, all in one commit. The resyncing flag is persisted: a restart mid-way resyncs
  // again from 0 and never trusts the half state. begin again restarts it.
  Status beginResync(std::int64_t nowMs, Commit& out);
  Status finishResync(std::int64_t cursor, const std::string& epoch, std::int64_t nowMs, Commit& out);
  bool resyncing() const { return resyncing_; }
  const std::string& epoch() const { return epoch_; }  // the server's, "" until the first resync

  // ---- persistence (sync_persistence.cpp) ---------------------------------------------------

  // Every durable record ({"store","key","value"}), as the persist effects have written them.
  json exportRecords() const;
  // Persist effects with their put records' values written as canonical text (Effect::texts), for
  // a shim that seals records as text; off (trees in `put`) by default. Records of a core with
  // sensitive fields stay trees (they are redacted as trees).
  void setPersistText(bool on) { persistText_ = on; }
  // Rebuilds a fresh core (collections defined, nothing loaded yet) from persisted records, all
  // or nothing: the first record it cannot read fails it and leaves the core as it was.
  Status restore(const json& records, Commit& out);
  // A restarted client's new block of numbers (sync_incarnation.cpp): mutation ids, outbox keys
  // (so temp ids too) and conflict ids jump to the next multiple of kIdBlock past what is stored,
  // and the meta record goes out in this commit's persist effect. Called after restore and made
  // durable before the first mutation, a number issued but never written before a crash or a
  // close is never issued again.
  static constexpr std::uint64_t kIdBlock = 1'000'000'000;
  Status reserveIdBlock(Commit& out);

  // The same in chunks, record by record (a client's start, whatever the storage holds):
  // restoreBegin on a fresh core, restoreAdd each record (its JSON text, or restoreAddValue; a text is
  // parsed on its own, so one record's size or depth never fails another), restoreFinish. A
  // record the core cannot read is refused on its own and reported in the finish's events,
  // {"type":"record-refused","index","store","key","code","message"} (index: the order of
  // restoreAdd calls); the rest restore. A refused entity record, or entitiesLost (the shim lost
  // some before), resets the cursor to 0 and persists it: the catch-up brings the entities back.
  // Nothing else may be called between begin and finish.
  Status restoreBegin();
  Status restoreAdd(std::string_view recordText);
  Status restoreAddValue(json record);
  Status restoreFinish(bool entitiesLost, Commit& out);

 private:
  struct OpenQuery {
    std::unique_ptr<LiveQuery> query;
    std::vector<std::string> lastWindow;
    std::size_t lastTotal = 0;
  };
  // One entity's view before the commit touched it, to classify the change at the end.
  struct Touch {
    Collection* collection;
    std::string id;
    bool liveBefore;
    bool compare;
    json before;
    // The confirmed entity when the store had it at the touch (null otherwise), with the
    // collection's erasures() then: valid while that is unchanged (Collection::Slot).
    Entity* entity = nullptr;
    std::uint64_t erasures = 0;
  };

  Collection* findCollection(std::string_view name);
  const Collection* findCollection(std::string_view name) const;
  Status unknownCollection(const std::string& name) const;
  const CollectionSyncOptions& syncOptions(const std::string& collection) const;

  // Commit bookkeeping (sync_commit.cpp).
  void beginCommit(std::int64_t nowMs);
  void touch(Collection* c, const std::string& id, bool compare);
  void touchKnown(Collection* c, const std::string& id, bool liveBefore);
  // The same for an entity whose slot the caller holds (a remote write): the entity's mark tells
  // whether it was touched, so its id is not hashed again. slot may be fresh for touch (read
  // through the overlay: the entity is overlaid), not for touchKnown; with no entity (an id the
  // store does not hold: Collection::existing) the touch is found by its id.
  void touch(Collection* c, const Collection::Slot& slot, bool compare);
  void touchKnown(Collection* c, const Collection::Slot& slot, bool liveBefore);
  void addTouch(Touch t);
  std::size_t findTouch(const Collection* c, const std::string& id, const Entity* entity);
  const std::uint64_t* erasuresAtFirstTouch(const Collection* c) const;
  std::size_t findTouchById(const Collection* c, const std::string& id);
  void unmarkTouch(std::size_t at);
  void forgetTouches();
  void clearTouches();
  void finishCommit(Commit& out);
  void collectChanges(Commit& out);
  void updateQueries(Commit& out);
  void emitEffects(Commit& out, std::size_t firstEffect);
  void collectViews(Commit& out);
  void addView(Commit& out, const Collection& c, const std::string& id) const;
  void pump(Commit& out);

  // Sync internals (sync_mutations.cpp; remote writes and rebase in sync_rebase.cpp).
  // confirmedTree: the confirmed entity as a tree the caller already built (moved from), so the
  // stored text is not parsed again; null: read from the store.
  void recomputeView(Collection* c, const std::string& id, json* confirmedTree = nullptr);
  // The entity as a tree (data) or as canonical text (text: the batch's text path, no tree built
  // unless a rebase needs one); neither: a delete.
  void remoteWrite(Collection* c, const std::string& id, std::int64_t version, json* data, EntityText* text,
                   const json* ts, Commit& out);
  void rebase(Collection* c, const std::string& id, const HlcTimestamp& remoteTs, Commit& out);
  bool findByKey(const std::string& key, std::uint64_t& seq) const;
  // The server's answers (an Ack, or the echo of our own Upsert / Delete), typed as decoded.
  void handleAck(ServerWrite& w, Commit& out);
  void handleReject(const ServerWrite& w, Commit& out);
  void handleConflict(ServerWrite& w, Commit& out);
  void deadLetterDependents(const OutboxEntry& create, ErrorClass cls, const std::string& message, Commit& out);
  // References (sync_references.cpp).
  bool referenceWaits(const OutboxEntry& entry, Commit& out);
  bool settleBrokenReferences(Commit& out);  // true if any entry left
  void deadLetterReferrers(const std::string& collection, const std::string& id, const char* code,
                           const std::string& why, Commit& out);
  // cc and r are spent: their entities are moved into the outbox where kept.
  void applyResolution(const OutboxEntry& entry, ConflictCase& cc, Resolution& r, bool wasInLog, Commit& out);
  void renameEntity(Collection* c, const std::string& from, const std::string& to, Commit& out);
  // A rename the server announces for an entity held under its temporary id (confirmed, pending,
  // or both): everything held moves to the server's id.
  void renameHeld(Collection* c, const std::string& from, const std::string& to, Commit& out);
  void settle(Commit& out, const std::vector<std::string>& ids, SettleStatus status, json extra = json::object());
  Status enqueueMutation(OutboxMutation&& m, Commit& out, std::uint64_t& seq);
  // Only a core that persists writes records (emitEffects drops them otherwise): no set node per
  // local write for one that does not.
  void markOutbox(std::uint64_t seq) {
    if (persist_) work_.outbox.insert(seq);
  }
  // Records to write exist only for a core that persists (emitEffects drops them otherwise).
  void markEntity(const std::string& collection, const std::string& id) {
    if (persist_) work_.entities.insert({collection, id});
  }
  void markMeta() { work_.meta = true; }

  void applyDecoded(ServerBatch& decoded, std::int64_t nowMs, Commit& out);
  void applyServerWrite(ServerWrite& w, Commit& out);
  // The confirmed write of a remote change: newer-wins, or the server's word during a resync.
  WriteResult writeConfirmed(Collection* c, const std::string& id, std::int64_t version, json* data);
  WriteResult writeConfirmed(Collection* c, const Collection::Slot& slot, std::int64_t version, json* data);
  WriteResult writeConfirmed(Collection* c, const Collection::Slot& slot, std::int64_t version, EntityText&& text);
  void restoreResyncMeta(const json* meta);

  // Server limits (server_limits.cpp).
  struct ServerLimits {
    std::size_t maxMessageBytes = 0, maxBatchMutations = 0, maxEntityBytes = 0, maxDepth = 0;  // 0: not known
  };
  void applyServerLimits();
  json wireMutation(const OutboxEntry& e) const;  // as pushed
  std::size_t wireBytes(const OutboxEntry& e) const;
  Status checkServerLimits(const Collection& c, const std::string& id, MutationKind kind, const json& payload) const;
  bool settleTooLarge(Commit& out);  // true if any
  void settleExpired(Commit& out);    // queue control: entries past their expireAtMs
  // Entries the outbox already took out, settled as dead letters of one class (sync_answers.cpp).
  void settleDeadLetters(const std::vector<DeadLetter>& letters, ErrorClass errorClass, Commit& out);
  void cancelEntry(std::uint64_t seq, const char* reason, Commit& out, std::vector<std::string>& cancelled);

  // Persistence internals (sync_persistence.cpp, sync_restore.cpp).
  Effect persistEffect();
  void redact(json& records) const;  // sensitive fields out of records about to be persisted
  bool anySensitive() const;         // a collection has sensitive fields
  json metaRecord() const;
  void appendMetaValueText(std::string& out) const;  // its value as text (setPersistText)
  struct RestoreSession;
  void refuseRecord(RestoreSession& rs, std::size_t index, std::string store, json key, Status why);
  Status finishRestore(bool strict, bool entitiesLost, Commit& out);

  ParseLimits limits_;
  ServerLimits serverLimits_;
  std::map<std::string, Collection, std::less<>> collections_;  // std::less<>: found by a string_view too
  std::map<std::string, CollectionSyncOptions> syncOptions_;
  std::map<std::string, CustomResolver*> customResolvers_;
  std::map<std::uint32_t, OpenQuery> queries_;
  std::uint32_t nextQuery_ = 1;
  SubscriptionRegistry subscriptions_;
  QueryCache cache_;
  std::int64_t cursor_ = 0;

  // Sync state.
  std::string clientId_ = "local";
  std::unique_ptr<Outbox> outbox_;
  HybridLogicalClock clock_;
  std::map<std::string, ParkedConflict> conflicts_;
  std::uint64_t nextMutation_ = 1;
  std::uint64_t nextConflict_ = 1;
  bool online_ = false;
  bool persist_ = false;
  bool persistText_ = false;  // setPersistText
  std::int64_t lastNow_ = 0;
  std::uint64_t setAside_ = 0;  // server changes set aside (applyServerChanges), persisted
  std::unique_ptr<RestoreSession> restoring_;
  std::string epoch_;      // the server database's epoch as of the last full resync, persisted
  bool resyncing_ = false;  // a full resync is under way (persisted: a restart starts it over)
  std::set<std::pair<std::string, std::string>> resyncSeen_;  // entities the resync brought
  // References asked of the server (a "reference-needed" event) and not answered yet; forgotten
  // offline, so a reconnect asks again. Not persisted.
  std::set<std::pair<std::string, std::string>> referencesAsked_;
  // Queued entries whose reference names a temp id with no create left (it was dead-lettered or
  // discarded): found while choosing a batch, dead-lettered right after (REFERENCE_FAILED).
  std::vector<std::pair<std::uint64_t, std::string>> brokenReferences_;

  // What the commit under way has touched, and nothing else keeps per-commit state: begun by
  // beginCommit, drained by finishCommit (the change set) and persistEffect (the records).
  struct CommitWork {
    std::vector<Touch> touched;  // entities whose view may change, with their view before
    // The touches' index once a commit has more than a few (sync_commit.cpp): an open-addressed
    // table of positions in touched (+1; 0: empty) and, beside touched, each touch's hash.
    // Built only when a touch is looked up by id among more than a few: one that entity marks
    // (Entity::commitMark) cannot answer.
    std::vector<std::uint32_t> touchSlots;
    std::vector<std::size_t> touchHashes;
    // Touches of an id the store did not hold then (no mark to find them by), and each touched
    // collection's erasures() at its first touch in the commit (after an erase an entity's mark
    // may be gone with it): while neither moved, an entity without a mark was not touched.
    std::size_t unmarkedTouches = 0;
    std::vector<std::pair<const Collection*, std::uint64_t>> erasuresAtFirstTouch;
    std::set<std::pair<std::string, std::string>> entities;  // records to write or delete
    std::set<std::uint64_t> outbox;                           // entries and dead letters, by seq
    std::set<std::string> conflicts;
    bool meta = false;  // the core's own record (cursor, counters, clock)
    void clearRecords() {
      entities.clear();
      outbox.clear();
      conflicts.clear();
      meta = false;
    }
  };
  CommitWork work_;
  // Seqs whose dead letter the core has written (or found stored at restore) and not deleted since:
  // only these get a deadLetters delete when their seq is touched (persist.cpp), not every outbox write.
  std::set<std::uint64_t> storedDeadLetters_;
};

}  // namespace syncore
