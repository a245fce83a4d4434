// Optimistic mutations: the client's settings, the pending log (owned by the Outbox), the view
// recomputed from confirmed state + pending entries, connectivity, timers and the pump that hands
// batches to the shim. Remote changes and their rebase: sync_rebase.cpp.
#include <algorithm>

#include "base/merge_patch.hpp"
#include "store/stored_json.hpp"
#include "sync/sync_core.hpp"
#include "sync/sync_internal.hpp"

namespace syncore {

using detail::readQueueOptions;

namespace {

// True when the JSON merge patch (RFC 7386) would leave target exactly as it is. The same answer
// as applyMergePatch(target, patch) == target, without copying the entity on every mutate.
bool patchChangesNothing(const json& target, const json& patch) {
  if (!patch.is_object()) return patch == target;
  if (!target.is_object()) return false;  // the result is an object, the target is not
  for (const auto& [key, value] : patch.items()) {
    auto it = target.find(key);
    if (value.is_null()) {
      if (it != target.end()) return false;  // a removal
    } else if (it == target.end()) {
      return false;  // an addition (an object patch adds at least {})
    } else if (!patchChangesNothing(*it, value)) {
      return false;
    }
  }
  return true;
}

bool readUint(const json& obj, const char* field, std::uint64_t& out, Status& status) {
  auto it = obj.find(field);
  if (it == obj.end()) return false;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
    status = Status::error(ErrorCode::WrongType, std::string(field) + " must be a non-negative integer");
    return false;
  }
  out = it->is_number_unsigned() ? it->get<std::uint64_t>() : static_cast<std::uint64_t>(it->get<std::int64_t>());
  return true;
}



}  // namespace

Status SyncCore::configureClient(const json& config) {
  if (!config.is_object()) return Status::error(ErrorCode::WrongType, "client config must be an object");
  if (outbox_->size() != 0 || !outbox_->deadLetters().empty())
    return Status::error(ErrorCode::InvalidArgument, "configure the client before any mutation");
  Status status;
  std::string clientId = clientId_;
  if (auto it = config.find("clientId"); it != config.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().find(':') != std::string::npos)
      return Status::error(ErrorCode::WrongType, "clientId must be a non-empty string without ':'");
    clientId = it->get_ref<const std::string&>();
  }
  std::uint64_t seed = 1, value = 0;
  readUint(config, "seed", seed, status);
  OutboxConfig oc;
  if (readUint(config, "batchSize", value, status)) oc.batchSize = value;
  if (readUint(config, "maxInFlightBatches", value, status)) oc.maxInFlightBatches = value;
  if (readUint(config, "maxRetries", value, status)) oc.maxRetries = static_cast<std::uint32_t>(value);
  if (readUint(config, "backoffBaseMs", value, status)) oc.backoffBaseMs = static_cast<std::int64_t>(value);
  if (readUint(config, "backoffMaxMs", value, status)) oc.backoffMaxMs = static_cast<std::int64_t>(value);
  std::uint64_t drift = 60'000;
  readUint(config, "maxClockDriftMs", drift, status);
  bool persist = persist_;
  if (auto it = config.find("persist"); it != config.end()) {
    if (!it->is_boolean()) return Status::error(ErrorCode::WrongType, "persist must be a boolean");
    persist = it->get<bool>();
  }
  if (!status) return status;
  clientId_ = clientId;
  outbox_ = std::make_unique<Outbox>(clientId_, oc, seed);
  applyServerLimits();
  clock_ = HybridLogicalClock(clientId_, static_cast<std::int64_t>(drift));
  persist_ = persist;
  markMeta();
  return Status::ok();
}

void SyncCore::setCustomResolver(const std::string& collection, CustomResolver* resolver) {
  if (resolver == nullptr) customResolvers_.erase(collection);
  else customResolvers_[collection] = resolver;
}

void SyncCore::settle(Commit& out, const std::vector<std::string>& ids, SettleStatus status, json extra) {
  if (ids.empty()) return;
  extra["mutationIds"] = ids;
  extra["status"] = settleStatusName(status);
  out.events.push_back({EventType::Settled, std::move(extra)});
}

// The view of one entity: its confirmed state with its pending entries applied in order.
void SyncCore::recomputeView(Collection* c, const std::string& id, json* confirmedTree) {
  auto entries = outbox_->entriesFor(c->name(), id);
  if (entries.empty()) {
    c->clearOverlay(id);
    return;
  }
  json view = confirmedTree != nullptr ? std::move(*confirmedTree) : c->confirmed(id).release();
  for (const OutboxEntry* e : entries) {
    switch (e->kind) {
      case MutationKind::Create: view = e->payload; break;
      case MutationKind::Update:
        if (!view.is_null()) view = applyMergePatch(std::move(view), e->payload);
        break;
      case MutationKind::Delete: view = nullptr; break;
    }
  }
  c->setOverlay(id, std::move(view));
}

bool SyncCore::findByKey(const std::string& key, std::uint64_t& seq) const {
  return outbox_->findKey(key, seq);
}

Status SyncCore::enqueueMutation(OutboxMutation&& m, Commit& out, std::uint64_t& seq) {
  const bool critical = m.priority == Priority::Critical;
  EnqueueResult r = outbox_->enqueue(std::move(m));
  if (r.outcome == EnqueueOutcome::Rejected) return r.status;
  seq = r.seq;
  markOutbox(r.seq);
  markMeta();  // the outbox's counters moved
  if (r.outcome == EnqueueOutcome::CancelledCreate && r.cancelled) {
    markOutbox(r.cancelled->seq);
    settle(out, r.cancelled->mutationIds, SettleStatus::Cancelled);
  }
  // A new entry has the mutation's priority; a folded one may have been critical already. Only
  // then is the log searched for it.
  const OutboxEntry* entry = critical || r.outcome != EnqueueOutcome::Appended ? outbox_->find(r.seq) : nullptr;
  if (entry != nullptr && entry->priority == Priority::Critical) {
    // A critical entry lifts the queued entries before it (Outbox::enqueue): persist them too.
    for (const OutboxEntry* e : outbox_->entriesFor(entry->collection, entry->entityId)) markOutbox(e->seq);
  }
  return Status::ok();
}

// ---- local mutations ---------------------------------------------------------------------------

Status SyncCore::mutate(const json& request, std::int64_t nowMs, Commit& out, std::string& mutationId, bool withView) {
  return mutate(MutationRequest::fromJson(request), nowMs, out, mutationId, withView);
}

// The request is taken apart: its data or patch becomes the pending entry's payload (moved, not copied).
Status SyncCore::mutate(MutationRequest&& request, std::int64_t nowMs, Commit& out, std::string& mutationId, bool withView) {
  mutationId.clear();
  if (!request.isObject) return Status::error(ErrorCode::WrongType, "a mutation is an object");
  // The string fields are views into the request (sync/mutation_request.hpp): read in place.
  if (!request.collection.isString()) return Status::error(ErrorCode::WrongType, "collection must be a string");
  const std::string_view collection = request.collection.str();
  Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(std::string(collection));
  const std::string& idField = c->options().idField;
  MutationKind kind;
  if (!request.op.isString() || !mutationKindFromName(request.op.str(), kind))
    return Status::error(ErrorCode::UnknownOp, "op must be create, update or delete");

  json* data = nullptr;
  if (json* d = &request.data; !d->is_null()) {
    if (!d->is_object()) return Status::error(ErrorCode::WrongType, "data must be an object");
    if (Status depth = checkDataDepth(*d, limits_, "data"); !depth) return depth;
    data = d;
  }
  std::string id, dataId;
  bool haveId = false;
  if (!request.id.isNull()) {
    if (!idFromRequest(request.id, id)) return Status::error(ErrorCode::WrongType, "id must be a non-empty string or an integer");
    haveId = true;
  }
  if (data != nullptr) {
    if (auto it = data->find(idField); it != data->end()) {
      if (!idFromJson(*it, dataId))
        return Status::error(ErrorCode::WrongType, "entity field '" + idField + "' must be a non-empty string or an integer");
      if (haveId && dataId != id) return Status::error(ErrorCode::IdMismatch, "id '" + id + "' differs from the entity's '" + dataId + "'");
      if (!haveId) id = dataId, haveId = true;
    }
  }

  OutboxMutation m;
  m.collection = c->name();
  m.kind = kind;
  m.priority = syncOptions(c->name()).priority;
  if (const RequestString& p = request.priority; !p.isNull()) {
    if (!p.isString() || !priorityFromName(p.str(), m.priority))
      return Status::error(ErrorCode::WrongType, "priority must be low, normal, high or critical");
  }
  if (const RequestString& st = request.strategy; !st.isNull()) {
    Strategy parsed;
    if (!st.isString() || !strategyFromName(st.str(), parsed))
      return Status::error(ErrorCode::WrongType, "unknown conflict strategy");
    m.strategy = st.str();
  }
  if (Status s = readQueueOptions(request, nowMs, m); !s) return s;

  const std::uint64_t number = nextMutation_;
  EntityRef view;  // what the user sees now (an update's or a delete's), read once
  std::string viewText;   // or, for an update patched on the stored text, the new view's text
  bool textView = false;
  // The entity's overlay and confirmed entry, each searched once per mutate (an update or delete
  // looks them up to read its view; a create after its checks).
  // Its place in the store (Collection::existing) is taken once and handed to the commit's touch.
  bool looked = false, overlaid = false;
  Collection::Slot slot;
  const Entity* confirmed = nullptr;
  if (kind == MutationKind::Create) {
    if (data == nullptr) return Status::error(ErrorCode::WrongType, "a create needs data (an object)");
    if (!haveId) {
      // Remapped on ack. A server entity may already sit under this temp id (a server that kept
      // someone's temp id): take the next free one rather than refuse the user's create.
      id = "tmp-" + clientId_ + "-" + std::to_string(number);
      for (int k = 1; c->has(id) || c->hasConfirmed(id); ++k)
        id = "tmp-" + clientId_ + "-" + std::to_string(number) + "-" + std::to_string(k);
    }
    if (c->has(id)) return Status::error(ErrorCode::AlreadyExists, "'" + id + "' already exists");
    m.payload = std::move(*data);
    m.payload[idField] = id;
  } else {
    if (!haveId) return Status::error(ErrorCode::MissingId, "an " + std::string(mutationKindName(kind)) + " needs an id");
    looked = true;
    slot = c->existing(id);
    confirmed = slot.entity;
    overlaid = confirmed != nullptr ? confirmed->overlaid : c->hasOverlay(id);  // kept with the overlay
    // An update by a patch of top-level fields of an entity with no view of its own: patched on
    // the stored text (store/stored_json.hpp), no tree of the entity built, so its cost does not
    // grow with the entity. Anything else (a nested patch, the id field) on the tree below.
    if (kind == MutationKind::Update && !overlaid && confirmed != nullptr && !confirmed->deleted &&
        request.patch.is_object() && !request.patch.contains(idField)) {
      if (Status depth = checkDataDepth(request.patch, limits_, "patch"); !depth) return depth;
      bool changes = false;
      textView = patchStoredText(confirmed->text, request.patch, viewText, &changes);
      if (textView && !changes) {  // as below: nothing changed, no mutation
        out.cursor = cursor_;
        out.counts = counts();
        return Status::ok();
      }
      if (textView) m.payload = std::move(request.patch);
    }
    if (!textView) {
      if (overlaid) view = c->get(id);
      else if (confirmed != nullptr && !confirmed->deleted) view = EntityRef(confirmed->data());
      if (view == nullptr) return Status::error(ErrorCode::NotFound, "'" + id + "' does not exist");
    }
    if (kind == MutationKind::Delete) {
      m.payload = nullptr;
    } else if (!textView) {  // an update on the tree (textView: the payload and view are in hand)
      if (json* patch = &request.patch; !patch->is_null()) {
        if (!patch->is_object()) return Status::error(ErrorCode::WrongType, "patch must be an object (a JSON merge patch)");
        if (Status depth = checkDataDepth(*patch, limits_, "patch"); !depth) return depth;
        m.payload = std::move(*patch);
      } else if (data != nullptr) {
        m.payload = createMergePatch(*view, *data);  // the edited entity against what the user saw
      } else {
        return Status::error(ErrorCode::WrongType, "an update needs data or patch");
      }
      if (auto f = m.payload.find(idField); f != m.payload.end() && *f != (*view)[idField])
        return Status::error(ErrorCode::IdMismatch, "an update cannot change the id field");
      // Nothing changed (an empty patch, or one that sets what is already there): no mutation.
      // The commit is empty but still says where the core stands (cursor, counts).
      if (m.payload.empty() || patchChangesNothing(*view, m.payload)) {
        out.cursor = cursor_;
        out.counts = counts();
        return Status::ok();
      }
    }
  }

  // Once the server's limits are known, a change it would refuse for its size is refused here.
  if (Status s = checkServerLimits(*c, id, kind, m.payload); !s) return s;

  // Valid: from here on the commit happens.
  beginCommit(nowMs);
  ++nextMutation_;
  markMeta();
  // Written in place (no temporaries, and no reserve: a short id stays in the string's own
  // buffer); the entry gets the one copy it keeps.
  mutationId += clientId_;
  mutationId += '#';
  appendDecimal(mutationId, number);
  m.mutationId = mutationId;
  m.entityId = id;
  if (!looked) {
    slot = c->existing(id);
    confirmed = slot.entity;
    overlaid = confirmed != nullptr ? confirmed->overlaid : c->hasOverlay(id);
  }
  m.baseVersion = confirmed != nullptr ? confirmed->version : -1;
  // An entity without a view of its own has no pending entries (recomputeView keeps the two
  // together): its view is the confirmed entity, read above as `view`, and after this update or
  // delete it is that entity with this one entry applied. Made here from the tree in hand, not by
  // recomputeView parsing the confirmed text a second time.
  const bool fromView = !overlaid && kind != MutationKind::Create;
  json newView;
  // The confirmed entity is the pending entry's base, kept as the store's text (a copy of the
  // bytes, no tree): a rebase, an ack or persistence parses it when it reads it. A fold into an
  // entry made on the same version keeps the base it holds.
  if (const Entity* e = confirmed; e != nullptr && !e->deleted) {
    m.meta.emplace(clock_.tick(nowMs), json());  // made in place, not moved in
    m.confirmedBase.text = &e->text;
  } else {
    // An edit of an entity that exists only through its pending create was made on top of that
    // create: the view is its base (a null base would make a rebase see the bare patch as the entity).
    EntityRef base;
    if (kind != MutationKind::Create) base = c->get(id);
    m.meta.emplace(clock_.tick(nowMs), std::move(base).release());
  }
  if (fromView && kind == MutationKind::Update && !textView) {
    // The base is text: the tree read above becomes the view, patched in place (no copy).
    newView = applyMergePatch(std::move(view).release(), m.payload);
  }
  // This mutation always changes the view (an update that changes nothing returned above), so its
  // view before is kept for a comparison only when this commit's pump may take entries out of the
  // log again: online (too large, broken references) or with entries that expire.
  // Without a view of its own the entity is live in the view exactly when its confirmed entry is
  // (both looked up above): touchKnown spares touch's lookups to find that out again. Either way
  // the touch gets the slot found above (nothing was erased since), not the id to look up again.
  if (const bool compare = online_ || outbox_->nextExpiry(-1) >= 0; compare || overlaid) touch(c, slot, compare);
  else touchKnown(c, slot, confirmed != nullptr && !confirmed->deleted);
  // An update of an entity that already has a view of its own moves that view by this patch alone
  // (the entries before it are applied there; a fold into the last entry composes exactly, see
  // Outbox::enqueue): patched in place, not rebuilt from a copy of the confirmed entity.
  const bool patchView = kind == MutationKind::Update && overlaid;
  if (patchView) c->patchOverlay(id, m.payload);
  std::uint64_t seq = 0;
  if (Status s = enqueueMutation(std::move(m), out, seq); !s) {
    if (patchView) recomputeView(c, id);  // back to what the entries say
    mutationId.clear();
    finishCommit(out);
    return s;
  }
  if (textView) c->setOverlayText(slot, std::move(viewText));  // its entity in hand: no lookup
  else if (fromView) c->setOverlay(id, std::move(newView));  // null for a delete: deleted in the view
  else if (!patchView) recomputeView(c, id);
  // Its names as strings: the tree is made only where the event is written (Event::queued).
  // Made in its place in the list (Event::queuedWrite took three copies and moved them twice).
  out.events.emplace_back(EventType::Queued, json()).queued.emplace(QueuedNames{c->name(), id, mutationId});
  finishCommit(out);
  if (withView) addView(out, *c, id);  // the caller shows the value it just wrote
  return Status::ok();
}

// ---- connectivity and timers ---------------------------------------------------------------------

Status SyncCore::setOnline(bool online, std::int64_t nowMs, Commit& out) {
  beginCommit(nowMs);
  online_ = online;
  if (online) outbox_->onReconnect();
  else outbox_->onDisconnect();
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::tick(std::int64_t nowMs, Commit& out) {
  beginCommit(nowMs);
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::batchTimedOut(std::uint32_t batch, std::int64_t nowMs, Commit& out) {
  beginCommit(nowMs);
  for (FailResult& fr : outbox_->batchTimedOut(batch, nowMs)) {
    markMeta();  // a retry's jitter advanced the outbox's PRNG, which is persisted
    if (fr.outcome != FailOutcome::DeadLettered || !fr.entry) continue;
    markOutbox(fr.entry->seq);
    Collection* c = findCollection(fr.entry->collection);
    touch(c, fr.entry->entityId, true);
    settle(out, fr.entry->mutationIds, SettleStatus::DeadLetter,
           {{"seq", fr.entry->seq}, {"errorClass", "transient"}, {"message", "no answer after the last retry"}});
    deadLetterDependents(*fr.entry, ErrorClass::Transient, "no answer after the last retry", out);
    recomputeView(c, fr.entry->entityId);
  }
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::resumeQueue(std::int64_t nowMs, Commit& out) {
  beginCommit(nowMs);
  outbox_->resume();
  markMeta();
  finishCommit(out);
  return Status::ok();
}

// Hands every batch the outbox is ready to send to the shim, then says when to wake.
void SyncCore::pump(Commit& out) {
  if (outbox_->releaseHolds()) markMeta();  // no uncertain create left to be one of them
  settleExpired(out);  // online or not: an entry past its deadline is never sent
  if (!online_) referencesAsked_.clear();  // unanswered: asked again once back online
  if (online_) {
    EntryBytes bytesOf;
    if (outbox_->maxBatchBytes() > 0) bytesOf = [this](const OutboxEntry& e) { return wireBytes(e); };
    // Declared references (sync_references.cpp) are asked about only where a collection has some.
    EntryWaits waits;
    for (const auto& [name, opts] : syncOptions_)
      if (!opts.references.empty()) waits = [this, &out](const OutboxEntry& e) { return referenceWaits(e, out); };
    for (;;) {
      std::optional<Batch> batch = outbox_->takeBatch(lastNow_, bytesOf, waits);
      // Entries too large to ever send leave first, with what was queued on top of them; so do
      // entries whose referenced create is gone (sync_references.cpp).
      bool settled = settleTooLarge(out);
      settled = settleBrokenReferences(out) || settled;
      if (!batch) {
        if (settled) continue;  // the rest get their turn
        break;
      }
      json mutations = json::array();
      bool critical = false;
      for (std::uint64_t seq : batch->seqs) {
        markOutbox(seq);  // now "sent": durable in this commit's persist effect
        const OutboxEntry& entry = *outbox_->find(seq);
        critical = critical || entry.priority == Priority::Critical;
        mutations.push_back(wireMutation(entry));
      }
      json send = {{"batch", batch->id}, {"mutations", std::move(mutations)}};
      if (critical) send["critical"] = true;  // the shim stores and sends it without waiting for a group
      out.effects.push_back({EffectKind::Send, std::move(send)});
    }
  }
  std::int64_t wake = outbox_->wakeAt(lastNow_);
  const std::int64_t expiry = outbox_->nextExpiry(lastNow_);  // a deadline wakes the core too
  if (expiry >= 0 && (wake < 0 || expiry < wake)) wake = expiry;
  if (wake >= 0) out.effects.push_back({EffectKind::Wake, {{"at", wake}}});
}

}  // namespace syncore
