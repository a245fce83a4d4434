// The core's durable state as records the shim writes to IndexedDB (one object store each:
// entities, outbox, deadLetters, conflicts, meta), emitted per commit as a persist effect, and the
// restart that rebuilds a core from them.
#include "records/record_text.hpp"
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

bool SyncCore::anySensitive() const {
  for (const auto& [name, opts] : syncOptions_)
    if (!opts.sensitive.empty()) return true;
  return false;
}

// dumpJson of metaRecord()'s value, written without the tree: every local write puts it.
void SyncCore::appendMetaValueText(std::string& out) const {
  // The keys in the order of metaRecord's std::map.
  out += "{\"clientId\":";
  appendJsonString(out, clientId_);
  out += ",\"clock\":";
  appendHlcText(out, clock_.last());
  out += ",\"cursor\":";
  out += std::to_string(cursor_);
  out += ",\"epoch\":";
  appendJsonString(out, epoch_);
  out += ",\"nextConflict\":";
  out += std::to_string(nextConflict_);
  out += ",\"nextMutation\":";
  out += std::to_string(nextMutation_);
  out += ",\"outbox\":";
  outbox_->appendHeaderText(out);
  out += resyncing_ ? ",\"resyncing\":true" : ",\"resyncing\":false";
  out += ",\"setAside\":";
  out += std::to_string(setAside_);
  out += '}';
}

Effect SyncCore::persistEffect() {
  // As text (setPersistText): each value written once, straight from the core's state. Not while a
  // collection has sensitive fields: redaction (records/redaction.hpp) works on the trees.
  const bool asText = persistText_ && !anySensitive();
  json put = json::array();
  json del = json::array();
  std::vector<RecordText> texts;
  // A value the core only has as a tree (a dead letter, a conflict, the meta record).
  auto putTree = [&](const char* store, json key, json value) {
    if (asText) texts.push_back({store, std::move(key), dumpJson(value)});
    else put.push_back(record(store, std::move(key), std::move(value)));
  };
  for (const auto& [collection, id] : work_.entities) {
    const Collection* c = findCollection(collection);
    if (c == nullptr || !syncOptions(collection).persist) continue;
    json key = json::array({collection, id});
    const Entity* e = c->find(id);
    if (e == nullptr) {
      del.push_back(removal("entities", std::move(key)));
    } else if (asText) {
      texts.push_back({"entities", std::move(key), std::string()});
      appendEntityValueText(texts.back().text, *e);
    } else {
      put.push_back(record("entities", std::move(key), entityValue(*e)));
    }
  }
  for (std::uint64_t seq : work_.outbox) {
    const OutboxEntry* e = outbox_->find(seq);
    if (e == nullptr || !syncOptions(e->collection).persist) {
      del.push_back(removal("outbox", seq));
    } else if (asText) {
      texts.push_back({"outbox", seq, std::string()});
      appendOutboxEntryText(texts.back().text, *e);
    } else {
      put.push_back(record("outbox", seq, outboxEntryToJson(*e)));
    }
    const DeadLetter* dead = nullptr;
    for (const DeadLetter& d : outbox_->deadLetters())
      if (d.entry.seq == seq) dead = &d;
    if (dead != nullptr && syncOptions(dead->entry.collection).persist) {
      putTree("deadLetters", seq,
              {{"entry", outboxEntryToJson(dead->entry)},
               {"errorClass", errorClassName(dead->errorClass)},
               {"message", dead->message}});
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
      putTree("conflicts", id, conflictToJson(it->second));
    else del.push_back(removal("conflicts", id));
  }
  if (work_.meta || !work_.outbox.empty()) {
    if (asText) {
      texts.push_back({"meta", kMetaKey, std::string()});
      appendMetaValueText(texts.back().text);
    } else {
      put.push_back(metaRecord());
    }
  }
  work_.clearRecords();
  if (!asText) redact(put);
  return {EffectKind::Persist, {{"put", std::move(put)}, {"delete", std::move(del)}}, std::move(texts)};
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
  if (!anySensitive()) return;
  const SensitiveLookup lookup = [this](const std::string& collection) -> const SensitiveFields* {
    const SensitiveFields& s = syncOptions(collection).sensitive;
    return s.empty() ? nullptr : &s;
  };
  for (json& r : records) redactRecord(r, lookup);
}

}  // namespace syncore
