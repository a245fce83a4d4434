// The server's answers to pushed mutations: acks fold into confirmed state (remapping temp ids),
// rejections follow their error class, conflicts go through the resolver.
#include "base/merge_patch.hpp"
#include "store/stored_json.hpp"
#include "sync/sync_core.hpp"
#include "sync/sync_internal.hpp"

namespace syncore {

using detail::caseFor;
using detail::replaceString;

// ---- the server's answers ----------------------------------------------------------------------

void SyncCore::handleAck(ServerWrite& w, Commit& out) {
  std::uint64_t seq = 0;
  if (!findByKey(w.key, seq)) return;  // a duplicate ack
  std::optional<OutboxEntry> acked = outbox_->ack(seq);
  if (!acked) return;
  markOutbox(seq);
  markMeta();
  const OutboxEntry& entry = *acked;
  Collection* c = findCollection(entry.collection);
  if (c == nullptr) return;
  std::int64_t version = w.version;
  std::string finalId = entry.entityId;
  // A create's server id (an echo names the entity it wrote).
  if (!w.id.empty() && entry.kind == MutationKind::Create && w.id != entry.entityId) {
    renameEntity(c, entry.entityId, w.id, out);
    finalId = w.id;
  }
  touch(c, finalId, true);
  const Entity* current = c->find(finalId);
  if (version < 0) version = (current != nullptr ? current->version : 0) + 1;
  // Fold the acknowledged change into confirmed state: the server's entity if it sent one.
  json folded;
  json* data = w.kind == ServerWrite::Kind::Delete ? nullptr : w.data;
  if (data != nullptr && data->is_object()) {
    folded = std::move(*data);
  } else if (w.kind != ServerWrite::Kind::Delete && w.hasCanonical()) {
    folded = treeFromStored(w.canonical.text);  // the echo of our own upsert, from the text path
  } else if (entry.kind == MutationKind::Create) {
    folded = entry.payload;
  } else if (entry.kind == MutationKind::Update) {
    EntityRef base = c->confirmed(finalId);
    folded = base != nullptr ? applyMergePatch(std::move(base).release(), entry.payload) : json(nullptr);
  }
  if (folded.is_object()) {
    folded[c->options().idField] = finalId;
    writeConfirmed(c, finalId, version, &folded);
  } else {
    writeConfirmed(c, finalId, version, nullptr);
  }
  markEntity(c->name(), finalId);
  // Later entries of the entity were made on top of this change: it is part of their base now,
  // and their version check is against the acknowledged version.
  for (const OutboxEntry* later : outbox_->entriesFor(c->name(), finalId)) {
    if (later->state == OutboxEntry::State::InFlight || later->sent) continue;
    // An older entry (a dead letter put back behind this one's back) was not made on top of it:
    // it keeps its base and version, and the server's version check sends it to the resolver.
    if (later->seq < entry.seq) continue;
    // Only a (re-)create is made on top of a delete: an edit queued behind one was made while the
    // delete was not pending (a dead letter retried since), so it too keeps its base.
    if (entry.kind == MutationKind::Delete && later->kind != MutationKind::Create) continue;
    PendingMeta meta = later->meta.value_or(PendingMeta{});
    json base = meta.takeBase();
    if (entry.kind == MutationKind::Create) {
      base = entry.payload;
      base[c->options().idField] = finalId;  // the server's id, as in confirmed state
    } else if (entry.kind == MutationKind::Update) {
      base = applyMergePatch(std::move(base), entry.payload);
    } else {
      base = nullptr;
    }
    meta.base = std::move(base);
    const std::uint64_t laterSeq = later->seq;
    json payload = later->payload;
    outbox_->replaceMeta(laterSeq, std::move(meta));
    outbox_->replacePayload(laterSeq, std::move(payload), version);
    markOutbox(laterSeq);
  }
  recomputeView(c, finalId);
  settle(out, entry.mutationIds, SettleStatus::Acked, {{"collection", c->name()}, {"id", finalId}, {"version", version}});
}

void SyncCore::handleReject(const ServerWrite& w, Commit& out) {
  std::uint64_t seq = 0;
  if (!findByKey(w.key, seq)) return;
  const ErrorClass cls = w.errorClass;
  const std::string& message = w.message;
  if (cls == ErrorClass::Conflict) {
    // A conflict without the server's entity: resolve against what we hold as confirmed.
    const OutboxEntry* e = outbox_->find(seq);
    Collection* c = e != nullptr ? findCollection(e->collection) : nullptr;
    if (c == nullptr) return;
    const Entity* cur = c->find(e->entityId);
    json confirmed = c->confirmed(e->entityId).release();
    ServerWrite conflict;
    conflict.kind = ServerWrite::Kind::Conflict;
    conflict.key = e->key;
    conflict.version = cur != nullptr ? cur->version : 0;
    conflict.data = &confirmed;
    handleConflict(conflict, out);
    return;
  }
  FailResult fr = outbox_->fail(seq, cls, message, lastNow_);
  markOutbox(seq);
  markMeta();
  switch (fr.outcome) {
    case FailOutcome::Paused:
      out.events.push_back({EventType::AuthRequired, {{"message", message}}});
      break;
    case FailOutcome::DeadLettered:
      if (fr.entry) {
        Collection* c = findCollection(fr.entry->collection);
        touch(c, fr.entry->entityId, true);
        settle(out, fr.entry->mutationIds, SettleStatus::DeadLetter,
               {{"seq", fr.entry->seq}, {"errorClass", errorClassName(cls)}, {"message", message}});
        deadLetterDependents(*fr.entry, cls, message, out);
        recomputeView(c, fr.entry->entityId);  // rolled back: the view no longer shows it
      }
      break;
    default:
      break;
  }
}

// Entries the outbox took out for good (too large, expired): each settles as a dead letter with
// its dependents, and its entity's view drops what it had added.
void SyncCore::settleDeadLetters(const std::vector<DeadLetter>& letters, ErrorClass errorClass, Commit& out) {
  for (const DeadLetter& letter : letters) {
    const OutboxEntry& entry = letter.entry;
    markOutbox(entry.seq);
    markMeta();
    Collection* c = findCollection(entry.collection);
    if (c == nullptr) continue;
    touch(c, entry.entityId, true);
    settle(out, entry.mutationIds, SettleStatus::DeadLetter,
           {{"seq", entry.seq}, {"errorClass", errorClassName(errorClass)}, {"message", letter.message}});
    deadLetterDependents(entry, errorClass, letter.message, out);
    recomputeView(c, entry.entityId);
  }
}

// A create that went to the dead letters takes the entity's later entries with it: they were made
// on top of it and the server has nothing to apply them to (sent alone, an update of the temp id
// comes back as a conflict on a missing entity and would be re-made as a create of the bare patch).
// They stay one unit in the dead letters: retrying or editing any of them brings all back in their
// order, discarding the create discards them (see sync_review.cpp).
void SyncCore::deadLetterDependents(const OutboxEntry& create, ErrorClass cls, const std::string& message,
                                    Commit& out) {
  if (create.kind != MutationKind::Create) return;
  std::vector<std::uint64_t> seqs;
  for (const OutboxEntry* e : outbox_->entriesFor(create.collection, create.entityId)) seqs.push_back(e->seq);
  const std::string why = "its create was dead-lettered" + (message.empty() ? std::string() : ": " + message);
  for (std::uint64_t seq : seqs) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e == nullptr) continue;
    const std::vector<std::string> ids = e->mutationIds;
    if (!outbox_->deadLetter(seq, cls, why)) continue;
    markOutbox(seq);
    settle(out, ids, SettleStatus::DeadLetter, {{"seq", seq}, {"errorClass", errorClassName(cls)}, {"message", why}});
  }
  // What refers to it through a declared reference would name an entity the server never made.
  deadLetterReferrers(create.collection, create.entityId, "REFERENCE_FAILED", "its create was dead-lettered", out);
}

void SyncCore::handleConflict(ServerWrite& w, Commit& out) {
  std::uint64_t seq = 0;
  if (!findByKey(w.key, seq)) return;
  const OutboxEntry* pending = outbox_->find(seq);
  Collection* c = findCollection(pending->collection);
  if (c == nullptr) return;
  const std::string id = pending->entityId;
  const std::int64_t version = w.version;
  json data = w.data != nullptr ? std::move(*w.data) : json(nullptr);
  const json* ts = w.ts;
  FailResult fr = outbox_->fail(seq, ErrorClass::Conflict, "", lastNow_);
  markOutbox(seq);
  touch(c, id, true);
  // The server's state is a remote change like any other (it rebases the entity's other entries).
  remoteWrite(c, id, version, data.is_object() ? &data : nullptr, nullptr, ts, out);
  if (fr.outcome == FailOutcome::Conflict && fr.entry) {
    const EntityRef remoteP = c->confirmed(id);
    HlcTimestamp remoteTs{lastNow_, 0, std::string()};
    HlcTimestamp parsed;
    if (ts != nullptr && hlcFromJson(*ts, parsed)) remoteTs = clampHlc(parsed, lastNow_, clock_.maxDriftMs());
    const CollectionSyncOptions& opts = syncOptions(c->name());
    ConflictCase cc = caseFor(*fr.entry, remoteP != nullptr ? *remoteP : json(nullptr), remoteTs,
                              opts.strategy, opts.mergeRules);
    auto custom = customResolvers_.find(c->name());
    Resolution r = syncore::resolveConflict(cc, custom == customResolvers_.end() ? nullptr : custom->second);
    applyResolution(*fr.entry, cc, r, false, out);
  }
  recomputeView(c, id);
}

void SyncCore::renameEntity(Collection* c, const std::string& from, const std::string& to, Commit& out) {
  out.renamed[c->name()][from] = to;
  touch(c, from, true);
  touch(c, to, true);
  outbox_->renameEntity(c->name(), from, to);
  for (const OutboxEntry* e : outbox_->entriesFor(c->name(), to)) markOutbox(e->seq);
  for (const DeadLetter& d : outbox_->deadLetters())  // renamed too: persist the new id
    if (d.entry.collection == c->name() && d.entry.entityId == to) markOutbox(d.entry.seq);
  // References to the temp id anywhere in the pending log now name the server's id. Only the
  // entries that mention it are visited (an index, see Outbox::entriesMentioning).
  std::vector<std::pair<Collection*, std::string>> affected;
  for (std::uint64_t seq : outbox_->entriesMentioning(from)) {
    const OutboxEntry& entry = *outbox_->find(seq);
    if (entry.state == OutboxEntry::State::InFlight || entry.sent || !entry.payload.is_structured()) continue;
    json payload = entry.payload;
    if (!replaceString(payload, from, to)) continue;
    Collection* owner = findCollection(entry.collection);
    if (entry.kind == MutationKind::Create) payload[owner->options().idField] = entry.entityId;
    outbox_->replacePayload(seq, std::move(payload), entry.baseVersion);
    markOutbox(seq);
    affected.emplace_back(owner, entry.entityId);
  }
  for (auto& [owner, id] : affected) {
    touch(owner, id, true);
    recomputeView(owner, id);
  }
  c->clearOverlay(from);
  subscriptions_.renameEntity(c->name(), from, to);
}

void SyncCore::renameHeld(Collection* c, const std::string& from, const std::string& to, Commit& out) {
  if (from == to) return;
  const Entity* held = c->find(from);
  const bool live = held != nullptr && !held->deleted;
  const bool pending = !outbox_->entriesFor(c->name(), from).empty();
  if (!live && !pending) return;  // nothing here under that id (or renamed already)
  touch(c, from, true);
  touch(c, to, true);
  // The confirmed entity moves unless the server's own state of it arrived first.
  if (live) {
    if (c->find(to) == nullptr) {
      json data = held->data();
      data[c->options().idField] = to;
      writeConfirmed(c, to, held->version, &data);
      markEntity(c->name(), to);
    }
    c->erase(from);
    markEntity(c->name(), from);
  }
  renameEntity(c, from, to, out);
  recomputeView(c, from);
  recomputeView(c, to);
}

}  // namespace syncore
