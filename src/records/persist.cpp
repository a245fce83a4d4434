// The core's durable state as records the shim writes to IndexedDB (one object store each:
// entities, outbox, deadLetters, conflicts, meta), emitted per commit as a persist effect, and the
// restart that rebuilds a core from them.
#include "sync/sync_core.hpp"
#include "sync/sync_internal.hpp"

#include <algorithm>

namespace syncore {

namespace {

using detail::kMetaKey;

json record(const char* store, json key, json value) {
  return {{"store", store}, {"key", std::move(key)}, {"value", std::move(value)}};
}

json removal(const char* store, json key) { return {{"store", store}, {"key", std::move(key)}}; }

json entityValue(const Entity& e) {
  return {{"version", e.version}, {"deleted", e.deleted}, {"data", e.data()}};
}

json conflictToJson(const ParkedConflict& c) {
  return {{"id", c.id}, {"collection", c.collection}, {"entityId", c.entityId},
          {"kind", mutationKindName(c.kind)}, {"base", c.base}, {"local", c.local},
          {"remote", c.remote}, {"patch", c.patch}, {"remoteVersion", c.remoteVersion},
          {"mutationIds", c.mutationIds}, {"paths", c.paths}, {"strategy", c.strategy}};
}

}  // namespace

json SyncCore::metaRecord() const {
  return record("meta", kMetaKey,
                {{"clientId", clientId_}, {"cursor", cursor_}, {"clock", hlcToJson(clock_.last())},
                 {"setAside", setAside_}, {"epoch", epoch_}, {"resyncing", resyncing_},
                 {"nextMutation", nextMutation_}, {"nextConflict", nextConflict_},
                 {"outbox", outbox_->headerToJson()}});
}

Effect SyncCore::persistEffect() {
  json put = json::array();
  json del = json::array();
  for (const auto& [collection, id] : work_.entities) {
    const Collection* c = findCollection(collection);
    if (c == nullptr || !syncOptions(collection).persist) continue;
    json key = json::array({collection, id});
    if (const Entity* e = c->find(id)) put.push_back(record("entities", std::move(key), entityValue(*e)));
    else del.push_back(removal("entities", std::move(key)));
  }
  for (std::uint64_t seq : work_.outbox) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e != nullptr && syncOptions(e->collection).persist) put.push_back(record("outbox", seq, outboxEntryToJson(*e)));
    else del.push_back(removal("outbox", seq));
    const DeadLetter* dead = nullptr;
    for (const DeadLetter& d : outbox_->deadLetters())
      if (d.entry.seq == seq) dead = &d;
    if (dead != nullptr && syncOptions(dead->entry.collection).persist) {
      put.push_back(record("deadLetters", seq,
                           {{"entry", outboxEntryToJson(dead->entry)},
                            {"errorClass", errorClassName(dead->errorClass)},
                            {"message", dead->message}}));
      storedDeadLetters_.insert(seq);
    } else if (storedDeadLetters_.erase(seq) != 0) {
      // Only a seq whose dead letter was stored has one to delete: an ordinary outbox write (every
      // enqueue, every ack) costs no deadLetters request.
      del.push_back(removal("deadLetters", seq));
    }
  }
  for (const std::string& id : work_.conflicts) {
    auto it = conflicts_.find(id);
    if (it != conflicts_.end() && syncOptions(it->second.collection).persist)
      put.push_back(record("conflicts", id, conflictToJson(it->second)));
    else del.push_back(removal("conflicts", id));
  }
  if (work_.meta || !work_.outbox.empty()) put.push_back(metaRecord());
  work_.clearRecords();
  redact(put);
  return {EffectKind::Persist, {{"put", std::move(put)}, {"delete", std::move(del)}}};
}

json SyncCore::exportRecords() const {
  json out = json::array();
  for (const auto& entry : collections_) {
    const std::string& name = entry.first;  // named: clang cannot capture structured bindings
    if (!syncOptions(name).persist) continue;
    entry.second.forEachEntity([&](const std::string& id, const Entity& e) {
      out.push_back(record("entities", json::array({name, id}), entityValue(e)));
    });
  }
  for (const auto& [seq, e] : outbox_->entries())
    if (syncOptions(e.collection).persist) out.push_back(record("outbox", seq, outboxEntryToJson(e)));
  for (const DeadLetter& d : outbox_->deadLetters()) {
    if (!syncOptions(d.entry.collection).persist) continue;
    out.push_back(record("deadLetters", d.entry.seq,
                         {{"entry", outboxEntryToJson(d.entry)},
                          {"errorClass", errorClassName(d.errorClass)},
                          {"message", d.message}}));
  }
  for (const auto& [id, c] : conflicts_)
    if (syncOptions(c.collection).persist) out.push_back(record("conflicts", id, conflictToJson(c)));
  out.push_back(metaRecord());
  redact(out);
  return out;
}

void SyncCore::redact(json& records) const {
  bool any = false;
  for (const auto& [name, opts] : syncOptions_) any = any || !opts.sensitive.empty();
  if (!any) return;
  const SensitiveLookup lookup = [this](const std::string& collection) -> const SensitiveFields* {
    const SensitiveFields& s = syncOptions(collection).sensitive;
    return s.empty() ? nullptr : &s;
  };
  for (json& r : records) redactRecord(r, lookup);
}

}  // namespace syncore
