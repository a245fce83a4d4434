// References between entities (docs/references.md): a collection declares which of its fields name
// an entity of another collection (`references: { studentId: "students" }`). A queued mutation
// that sets such a field is sent only once the entity it names exists on the server:
//  - its create is pending (queued or in flight): the mutation waits for the ack (which renames a
//    temp id in its payload, sync_answers.cpp), so the server never sees a reference before the
//    row, nor a temp id;
//  - it is in the view with nothing pending that creates or deletes it: sent;
//  - it is a temp id with no create left (dead-lettered, discarded): dead letter, REFERENCE_FAILED;
//  - otherwise it is missing locally: a "reference-needed" event asks the shim to fetch it; the
//    shim applies it as a server upsert (then the mutation goes) or calls referenceMissing
//    (dead letter, REFERENCE_MISSING).
// A create that goes to the dead letters takes its referrers with it (REFERENCE_FAILED).
// Entries already sent once are left to the server: their payload cannot change any more.
#include "sync/sync_core.hpp"

namespace syncore {

namespace {

bool isTempId(const std::string& s) { return s.size() > 4 && s.compare(0, 4, "tmp-") == 0; }

}  // namespace

bool SyncCore::referenceWaits(const OutboxEntry& entry, Commit& out) {
  if (entry.sent || !entry.payload.is_object()) return false;
  const CollectionSyncOptions& opts = syncOptions(entry.collection);
  if (opts.references.empty()) return false;
  for (const auto& [field, target] : opts.references) {
    auto it = entry.payload.find(field);
    if (it == entry.payload.end() || !it->is_string()) continue;
    const std::string& id = it->get_ref<const std::string&>();
    if (target == entry.collection && id == entry.entityId) continue;  // itself: no order to keep
    const Collection* c = findCollection(target);
    if (c == nullptr) continue;  // not a collection of this client: nothing to check it against
    for (const OutboxEntry* p : outbox_->entriesFor(target, id))
      if (p->kind != MutationKind::Update) return true;  // its create (or delete) goes first
    const EntityRef view = c->get(id);
    if (view != nullptr && !view->is_null()) {
      referencesAsked_.erase({target, id});
      continue;
    }
    if (isTempId(id)) {
      // Only this client made the temp id, and nothing of ours creates it any more.
      brokenReferences_.emplace_back(entry.seq, target + "/" + id + " was never created (its create was dead-lettered or discarded)");
      return true;
    }
    if (referencesAsked_.insert({target, id}).second)
      out.events.push_back({EventType::ReferenceNeeded, {{"collection", target}, {"id", id}}});
    return true;
  }
  return false;
}

bool SyncCore::settleBrokenReferences(Commit& out) {
  if (brokenReferences_.empty()) return false;
  std::vector<std::pair<std::uint64_t, std::string>> broken;
  broken.swap(brokenReferences_);
  bool any = false;
  for (auto& [seq, why] : broken) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e == nullptr || e->state == OutboxEntry::State::InFlight || e->sent) continue;
    const OutboxEntry entry = *e;
    Collection* c = findCollection(entry.collection);
    if (c == nullptr) continue;
    const std::string message = std::string("REFERENCE_FAILED: ") + why;
    touch(c, entry.entityId, true);
    if (!outbox_->deadLetter(seq, ErrorClass::Validation, message)) continue;
    any = true;
    markOutbox(seq);
    markMeta();
    settle(out, entry.mutationIds, SettleStatus::DeadLetter,
           {{"seq", seq}, {"errorClass", errorClassName(ErrorClass::Validation)}, {"message", message}, {"code", "REFERENCE_FAILED"}});
    deadLetterDependents(entry, ErrorClass::Validation, message, out);
    recomputeView(c, entry.entityId);
  }
  return any;
}

void SyncCore::deadLetterReferrers(const std::string& collection, const std::string& id, const char* code,
                                   const std::string& why, Commit& out) {
  // The collections (and their fields) that refer to `collection`.
  std::map<std::string, std::vector<std::string>> fieldsOf;
  for (const auto& [name, opts] : syncOptions_)
    for (const auto& [field, target] : opts.references)
      if (target == collection) fieldsOf[name].push_back(field);
  if (fieldsOf.empty()) return;
  std::vector<std::uint64_t> referrers;
  for (std::uint64_t seq : outbox_->entriesMentioning(id)) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e == nullptr || e->state == OutboxEntry::State::InFlight || e->sent || !e->payload.is_object()) continue;
    auto f = fieldsOf.find(e->collection);
    if (f == fieldsOf.end()) continue;
    if (e->collection == collection && e->entityId == id) continue;
    for (const std::string& field : f->second) {
      auto it = e->payload.find(field);
      if (it != e->payload.end() && it->is_string() && it->get_ref<const std::string&>() == id) {
        referrers.push_back(seq);
        break;
      }
    }
  }
  const std::string message = std::string(code) + ": " + collection + "/" + id + " " + why;
  for (std::uint64_t seq : referrers) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e == nullptr) continue;  // gone with an earlier referrer's create
    const OutboxEntry entry = *e;
    Collection* c = findCollection(entry.collection);
    if (c == nullptr) continue;
    touch(c, entry.entityId, true);
    if (!outbox_->deadLetter(seq, ErrorClass::Validation, message)) continue;
    markOutbox(seq);
    markMeta();
    settle(out, entry.mutationIds, SettleStatus::DeadLetter,
           {{"seq", seq}, {"errorClass", errorClassName(ErrorClass::Validation)}, {"message", message}, {"code", code}});
    deadLetterDependents(entry, ErrorClass::Validation, message, out);  // its own edits, its referrers
    recomputeView(c, entry.entityId);
  }
}

Status SyncCore::referenceMissing(const std::string& collection, const std::string& id, std::int64_t nowMs,
                                  Commit& out) {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  beginCommit(nowMs);
  referencesAsked_.erase({collection, id});
  // Between the question and the answer the entity may have come (a catch-up, a local create):
  // then nothing is missing.
  bool pending = false;
  for (const OutboxEntry* p : outbox_->entriesFor(collection, id))
    if (p->kind != MutationKind::Update) pending = true;
  const EntityRef view = c->get(id);
  if (!pending && (view == nullptr || view->is_null()))
    deadLetterReferrers(collection, id, "REFERENCE_MISSING", "does not exist on the server (or is not yours to read)", out);
  finishCommit(out);
  return Status::ok();
}

}  // namespace syncore
