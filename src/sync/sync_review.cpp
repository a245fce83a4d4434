// What the app reviews and decides on: the pending outbox, dead letters (retry, edit, discard)
// and parked conflicts (keep mine, keep theirs, or a merged value).
#include "sync/sync_core.hpp"

namespace syncore {

namespace {

json entrySummary(const OutboxEntry& e) {
  return {{"seq", e.seq},
          {"key", e.key},
          {"mutationIds", e.mutationIds},
          {"collection", e.collection},
          {"id", e.entityId},
          {"kind", mutationKindName(e.kind)},
          {"data", e.payload},
          {"priority", priorityName(e.priority)},
          {"state", e.state == OutboxEntry::State::InFlight ? "in-flight" : "queued"},
          {"attempts", e.attempts},
          {"notBefore", e.notBeforeMs}};
}

// A dead-lettered create and the edits dead-lettered with it (see deadLetterDependents) are one
// unit: an edit cannot go out alone, the server has no entity to apply it to. The seq of the
// create an edit depends on, 0 if none is dead.
std::uint64_t deadCreateOf(const Outbox& outbox, const OutboxEntry& edit) {
  if (edit.kind == MutationKind::Create) return 0;
  for (const DeadLetter& d : outbox.deadLetters())
    if (d.entry.kind == MutationKind::Create && d.entry.seq < edit.seq && d.entry.collection == edit.collection &&
        d.entry.entityId == edit.entityId)
      return d.entry.seq;
  return 0;
}

// The dead letters that go back with `seq`: its create's whole unit (the create and every edit
// dead-lettered with it), or just itself.
std::vector<std::uint64_t> deadUnitOf(const Outbox& outbox, const OutboxEntry& entry) {
  const std::uint64_t create = entry.kind == MutationKind::Create ? entry.seq : deadCreateOf(outbox, entry);
  std::vector<std::uint64_t> unit{entry.seq};
  if (create == 0) return unit;
  if (create != entry.seq) unit.push_back(create);
  for (const DeadLetter& d : outbox.deadLetters())
    if (d.entry.seq != entry.seq && deadCreateOf(outbox, d.entry) == create) unit.push_back(d.entry.seq);
  return unit;
}

}  // namespace

json SyncCore::pendingMutations() const {
  json out = json::array();
  for (const auto& [seq, entry] : outbox_->entries()) out.push_back(entrySummary(entry));
  return out;
}

json SyncCore::deadLetters() const {
  json out = json::array();
  for (const DeadLetter& d : outbox_->deadLetters()) {
    json row = entrySummary(d.entry);
    row["state"] = "dead";
    row["errorClass"] = errorClassName(d.errorClass);
    row["message"] = d.message;
    out.push_back(std::move(row));
  }
  return out;
}

Status SyncCore::retryDeadLetter(std::uint64_t seq, std::int64_t nowMs, Commit& out) {
  const OutboxEntry* entry = nullptr;
  for (const DeadLetter& d : outbox_->deadLetters())
    if (d.entry.seq == seq) entry = &d.entry;
  if (entry == nullptr) return Status::error(ErrorCode::NotFound, "no dead letter " + std::to_string(seq));
  Collection* c = findCollection(entry->collection);
  const std::string id = entry->entityId;
  const std::vector<std::uint64_t> unit = deadUnitOf(*outbox_, *entry);  // a create goes with its edits
  beginCommit(nowMs);
  touch(c, id, true);
  for (std::uint64_t s : unit)
    if (outbox_->retryDead(s)) markOutbox(s);
  recomputeView(c, id);  // back in the log, so back in the view
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::editDeadLetter(std::uint64_t seq, const json& payload, std::int64_t nowMs, Commit& out) {
  const OutboxEntry* entry = nullptr;
  for (const DeadLetter& d : outbox_->deadLetters())
    if (d.entry.seq == seq) entry = &d.entry;
  if (entry == nullptr) return Status::error(ErrorCode::NotFound, "no dead letter " + std::to_string(seq));
  if (Status depth = checkDataDepth(payload, limits_, "payload"); !depth) return depth;
  if (!payloadFitsKind(entry->kind, payload))
    return Status::error(ErrorCode::WrongType, "the payload does not fit a " + std::string(mutationKindName(entry->kind)));
  Collection* c = findCollection(entry->collection);
  const std::string id = entry->entityId;
  const std::vector<std::uint64_t> unit = deadUnitOf(*outbox_, *entry);  // a create goes with its edits
  beginCommit(nowMs);
  touch(c, id, true);
  outbox_->editDead(seq, payload);
  markOutbox(seq);
  for (std::uint64_t s : unit)
    if (s != seq && outbox_->retryDead(s)) markOutbox(s);
  markMeta();
  recomputeView(c, id);
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::discardDeadLetter(std::uint64_t seq, std::int64_t nowMs, Commit& out) {
  // Discarding a create discards the edits that depend on it: alone they have nothing to apply to.
  std::vector<std::uint64_t> dependents;
  for (const DeadLetter& d : outbox_->deadLetters())
    if (deadCreateOf(*outbox_, d.entry) == seq) dependents.push_back(d.entry.seq);
  if (!outbox_->discardDead(seq)) return Status::error(ErrorCode::NotFound, "no dead letter " + std::to_string(seq));
  beginCommit(nowMs);
  markOutbox(seq);
  for (std::uint64_t dependent : dependents)
    if (outbox_->discardDead(dependent)) markOutbox(dependent);
  finishCommit(out);
  return Status::ok();
}

json SyncCore::conflicts() const {
  json out = json::array();
  for (const auto& [id, c] : conflicts_) {
    out.push_back({{"id", c.id}, {"collection", c.collection}, {"entityId", c.entityId},
                   {"kind", mutationKindName(c.kind)}, {"base", c.base}, {"local", c.local},
                   {"remote", c.remote}, {"patch", c.patch}, {"remoteVersion", c.remoteVersion},
                   {"mutationIds", c.mutationIds}, {"paths", c.paths}, {"strategy", c.strategy}});
  }
  return out;
}

Status SyncCore::resolveConflict(const std::string& id, const json& resolution, std::int64_t nowMs,
                                 Commit& out, std::string& mutationId) {
  mutationId.clear();
  auto it = conflicts_.find(id);
  if (it == conflicts_.end()) return Status::error(ErrorCode::NotFound, "no conflict '" + id + "'");
  if (!resolution.is_object()) return Status::error(ErrorCode::WrongType, "a resolution is an object");
  auto choice = resolution.find("choice");
  if (choice == resolution.end() || !choice->is_string())
    return Status::error(ErrorCode::WrongType, "choice must be local, remote or merged");
  const std::string& which = choice->get_ref<const std::string&>();
  json value;
  if (which == "local") {
    value = it->second.local;
  } else if (which == "merged") {
    auto v = resolution.find("value");
    if (v == resolution.end() || !(v->is_object() || v->is_null()))
      return Status::error(ErrorCode::WrongType, "a merged resolution needs value (an object, or null to delete)");
    if (Status depth = checkDataDepth(*v, limits_, "value"); !depth) return depth;
    value = *v;
  } else if (which != "remote") {
    return Status::error(ErrorCode::WrongType, "choice must be local, remote or merged");
  }
  Collection* c = findCollection(it->second.collection);
  const std::string entityId = it->second.entityId;
  ParkedConflict saved = it->second;
  work_.conflicts.insert(id);
  conflicts_.erase(it);
  const EntityRef view = c->get(entityId);
  json request = {{"collection", c->name()}, {"id", entityId}};
  if (which == "remote" || (value.is_null() && view == nullptr)) {
    beginCommit(nowMs);  // only the conflict record goes
    finishCommit(out);
    return Status::ok();
  }
  if (value.is_null()) {
    request["op"] = "delete";
  } else if (view == nullptr) {
    request["op"] = "create";
    request["data"] = value;
  } else {
    request["op"] = "update";
    request["data"] = value;
  }
  Status s = mutate(request, nowMs, out, mutationId);
  if (!s) {  // the choice could not become a mutation: keep the conflict parked, nothing lost
    conflicts_.emplace(id, std::move(saved));
    work_.conflicts.erase(id);
    return s;
  }
  if (mutationId.empty()) {  // the view already equals the choice
    beginCommit(nowMs);
    finishCommit(out);
  }
  return Status::ok();
}

}  // namespace syncore
