// Remote changes meeting local state: the confirmed write of a server change, and the rebase of
// an entity's pending entries on it through the conflict resolver (keep, merge, take the remote,
// park), with what each outcome does to the outbox.
#include "base/merge_patch.hpp"
#include "sync/sync_core.hpp"
#include "sync/sync_internal.hpp"

namespace syncore {

using detail::caseFor;
using detail::outcomeName;

void SyncCore::remoteWrite(Collection* c, const std::string& id, std::int64_t version, json* data, EntityText* text,
                           const json* ts, Commit& out) {
  const bool live = data != nullptr || text != nullptr;
  // The entity's one lookup: its slot (made here when new: every remote write leaves the store
  // holding the entity or its tombstone) goes to the write and to the commit's touch.
  const Collection::Slot slot = c->slot(id);
  const bool overlaid = slot.entity->overlaid;
  const bool known = !slot.fresh;
  if (overlaid) touch(c, slot, true);
  // A newer version with the data the view already shows changes nothing a reader sees: its
  // version is taken, but no subscriber is told (compared before the write moves the data in).
  // (The store compares the stored texts as it writes: no tree of the held entity is built.)
  // (The text path's entity goes in as it came: a rebase below builds the one tree it reads.)
  WriteResult r = text != nullptr ? writeConfirmed(c, slot, version, std::move(*text)) : writeConfirmed(c, slot, version, data);
  const bool sameData = !overlaid && live && c->lastWriteKeptData();
  if (r == WriteResult::Ignored) {
    if (!live) markEntity(c->name(), id);  // a tombstone may have been recorded
    return;
  }
  markEntity(c->name(), id);
  // Every remote write we take in moves the clock (clamped, see HybridLogicalClock::receive), not
  // only those that meet a pending edit: an edit made after seeing a write is stamped after it.
  HlcTimestamp parsed;
  const bool stamped = ts != nullptr && hlcFromJson(*ts, parsed);
  if (stamped) {
    clock_.receive(parsed, lastNow_);
    markMeta();  // the clock moved: a restart must not issue timestamps before this one
  }
  if (!known && !overlaid && outbox_->hasUncertainCreate(c->name())) {
    // An id new to this client may be our own create under its server id, its ack and echo not
    // seen yet: see Outbox::hold. (Never one with entries of its own: nothing held is ever sent,
    // so no held entity can be the uncertain create its hold waits for.)
    outbox_->hold(c->name(), id);
    markMeta();
  }
  if (!overlaid) {
    if (!sameData) touchKnown(c, slot, r != WriteResult::Created);
    return;
  }
  // Without its own timestamp a remote change counts as made when it arrived.
  HlcTimestamp remoteTs{lastNow_, 0, std::string()};
  if (stamped) remoteTs = clampHlc(parsed, lastNow_, clock_.maxDriftMs());
  rebase(c, id, remoteTs, out);
}

// A remote change met the entity's pending entries: each one not yet handed to the server is
// re-made against the new confirmed state, the conflict policy deciding where both sides wrote.
void SyncCore::rebase(Collection* c, const std::string& id, const HlcTimestamp& remoteTs, Commit& out) {
  // The confirmed entity does not change while its entries rebase: read in place, not copied
  // (unless a custom resolver, code outside the core, runs in between).
  static const json kDeleted;
  auto custom = customResolvers_.find(c->name());
  CustomResolver* resolver = custom == customResolvers_.end() ? nullptr : custom->second;
  // (confirmed() builds its own tree from the stored text: a custom resolver cannot change it.)
  EntityRef remoteRef = c->confirmed(id);
  const json& remote = remoteRef != nullptr ? *remoteRef : kDeleted;
  const CollectionSyncOptions& opts = syncOptions(c->name());
  std::vector<std::uint64_t> seqs;
  for (const OutboxEntry* e : outbox_->entriesFor(c->name(), id)) seqs.push_back(e->seq);
  for (std::uint64_t seq : seqs) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e == nullptr || e->state == OutboxEntry::State::InFlight || e->sent) continue;
    if (e->kind == MutationKind::Create) continue;  // nothing on the server to conflict with yet
    ConflictCase cc = caseFor(*e, remote, remoteTs, opts.strategy, opts.mergeRules);
    Resolution r = syncore::resolveConflict(cc, resolver);
    applyResolution(*e, cc, r, true, out);  // copies what it needs before the entry leaves the log
  }
  if (resolver != nullptr) return recomputeView(c, id);
  // The confirmed tree built above is the view's starting point: the entity's one parse of the
  // stored text (a text-path write built none). Only without a custom resolver: code outside the
  // core ran in between otherwise.
  json confirmedTree = std::move(remoteRef).release();
  recomputeView(c, id, &confirmedTree);
}

void SyncCore::applyResolution(const OutboxEntry& entry, ConflictCase& cc, Resolution& r, bool wasInLog,
                               Commit& out) {
  Collection* c = findCollection(entry.collection);
  const Entity* confirmed = c->find(entry.entityId);
  const std::int64_t version = confirmed != nullptr ? confirmed->version : -1;
  // The entity as the local change made it: reported with a conflict, kept with a parked one.
  json localEntity;
  if (r.outcome != Resolution::Outcome::NoConflict) {
    if (entry.kind == MutationKind::Create) localEntity = entry.payload;
    else if (entry.kind != MutationKind::Delete) localEntity = applyMergePatch(cc.base, cc.local.patch);
  }
  if (r.outcome != Resolution::Outcome::NoConflict) {
    out.events.push_back({EventType::Conflict, {{"collection", entry.collection}, {"id", entry.entityId},
                          {"strategy", strategyName(cc.strategy)}, {"outcome", outcomeName(r.outcome)},
                          {"paths", r.conflictingPaths}, {"base", cc.base}, {"local", localEntity},
                          {"remote", cc.remote}, {"resolved", r.resolved}, {"mutationIds", entry.mutationIds}}});
  }
  markOutbox(entry.seq);
  // `entry` may be the log's own: what outlives its removal is copied first.
  auto drop = [&](SettleStatus status, json extra = json::object()) {
    if (!wasInLog) return settle(out, entry.mutationIds, status, std::move(extra));
    const std::vector<std::string> ids = entry.mutationIds;
    outbox_->remove(entry.seq);
    settle(out, ids, status, std::move(extra));
  };
  switch (r.outcome) {
    case Resolution::Outcome::NoConflict:
    case Resolution::Outcome::KeepLocal:
    case Resolution::Outcome::Merged: {
      MutationKind kind = entry.kind == MutationKind::Create ? MutationKind::Update : entry.kind;
      json payload = std::move(r.patch);
      bool keep = !payload.empty();
      if (entry.kind == MutationKind::Delete) {
        keep = r.keepDelete;
        payload = nullptr;
      } else if (r.keepDelete) {
        kind = MutationKind::Delete;
        payload = nullptr;
        keep = true;
      } else if (cc.remote.is_null()) {
        kind = MutationKind::Create;  // the remote deleted it and the local change wins: re-create
        payload = std::move(r.resolved);
        keep = payload.is_object();
      }
      if (!keep) {
        drop(r.outcome == Resolution::Outcome::NoConflict ? SettleStatus::Merged : SettleStatus::Overridden);
        break;
      }
      PendingMeta meta{cc.local.ts, std::move(cc.remote)};  // the remote entity is the new base
      if (wasInLog && kind == entry.kind) {
        const std::uint64_t seq = entry.seq;
        outbox_->replacePayload(seq, std::move(payload), version);
        outbox_->replaceMeta(seq, std::move(meta));
      } else {
        OutboxEntry copy = entry;
        if (wasInLog) outbox_->remove(entry.seq);
        copy.kind = kind;
        copy.meta = std::move(meta);
        outbox_->requeueRebased(std::move(copy), std::move(payload), version);
      }
      break;
    }
    case Resolution::Outcome::TakeRemote:
      drop(SettleStatus::Overridden);
      break;
    case Resolution::Outcome::Park: {
      ParkedConflict pc;
      pc.id = "conflict-" + std::to_string(nextConflict_++);
      pc.collection = entry.collection;
      pc.entityId = entry.entityId;
      pc.kind = entry.kind;
      pc.base = cc.base;
      pc.local = localEntity;
      pc.remote = cc.remote;
      pc.patch = entry.kind == MutationKind::Delete ? json(nullptr) : cc.local.patch;
      pc.remoteVersion = version;
      pc.mutationIds = entry.mutationIds;
      pc.paths = r.conflictingPaths;
      pc.strategy = strategyName(cc.strategy);
      work_.conflicts.insert(pc.id);
      markMeta();
      drop(SettleStatus::Conflict, {{"conflictId", pc.id}});
      conflicts_.emplace(pc.id, std::move(pc));
      break;
    }
  }
}

}  // namespace syncore
