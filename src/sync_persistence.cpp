// The core's durable state as records the shim writes to IndexedDB (one object store each:
// entities, outbox, deadLetters, conflicts, meta), emitted per commit as a persist effect, and the
// restart that rebuilds a core from them.
#include "sync_core.hpp"

#include <algorithm>

namespace syncore {

namespace {

constexpr const char* kMetaKey = "core";

json record(const char* store, json key, json value) {
  return {{"store", store}, {"key", std::move(key)}, {"value", std::move(value)}};
}

json removal(const char* store, json key) { return {{"store", store}, {"key", std::move(key)}}; }

json entityValue(const Entity& e) {
  return {{"version", e.version}, {"deleted", e.deleted}, {"data", e.data}};
}

json conflictToJson(const ParkedConflict& c) {
  return {{"id", c.id}, {"collection", c.collection}, {"entityId", c.entityId},
          {"kind", mutationKindName(c.kind)}, {"base", c.base}, {"local", c.local},
          {"remote", c.remote}, {"patch", c.patch}, {"remoteVersion", c.remoteVersion},
          {"mutationIds", c.mutationIds}, {"paths", c.paths}, {"strategy", c.strategy}};
}

bool stringList(const json& v, std::vector<std::string>& out) {
  if (!v.is_array()) return false;
  for (const json& s : v) {
    if (!s.is_string()) return false;
    out.push_back(s.get_ref<const std::string&>());
  }
  return true;
}

bool conflictFromJson(const json& v, ParkedConflict& c) {
  if (!v.is_object()) return false;
  for (const char* f : {"id", "collection", "entityId", "kind", "strategy"})
    if (!v.contains(f) || !v[f].is_string()) return false;
  for (const char* f : {"base", "local", "remote", "patch"})
    if (!v.contains(f)) return false;
  c.id = v["id"].get<std::string>();
  c.collection = v["collection"].get<std::string>();
  c.entityId = v["entityId"].get<std::string>();
  c.strategy = v["strategy"].get<std::string>();
  if (!mutationKindFromName(v["kind"].get<std::string>(), c.kind)) return false;
  c.base = v["base"];
  c.local = v["local"];
  c.remote = v["remote"];
  c.patch = v["patch"];
  if (!v.contains("remoteVersion") || !int64FromJson(v["remoteVersion"], c.remoteVersion)) return false;
  return v.contains("mutationIds") && stringList(v["mutationIds"], c.mutationIds) &&
         v.contains("paths") && stringList(v["paths"], c.paths);
}

Status corrupt(const std::string& what) { return Status::error(ErrorCode::CorruptRecord, what); }

// n when text is prefix followed by the decimal n (at most 18 digits), else 0: a number this
// client issued ("<client>:<seq>" keys, "<client>#<n>" mutation ids, "conflict-<n>").
std::uint64_t issuedNumber(const std::string& text, const std::string& prefix) {
  if (text.size() <= prefix.size() || text.size() > prefix.size() + 18 || text.compare(0, prefix.size(), prefix) != 0)
    return 0;
  std::uint64_t n = 0;
  for (std::size_t i = prefix.size(); i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return n;
}

// The highest key number and mutation number an outbox entry (or a dead letter's entry) holds.
void scanIssued(const json& entry, const std::string& clientId, std::uint64_t& key, std::uint64_t& mutation) {
  if (!entry.is_object()) return;
  if (auto k = entry.find("key"); k != entry.end() && k->is_string())
    key = std::max(key, issuedNumber(k->get_ref<const std::string&>(), clientId + ":"));
  if (auto ids = entry.find("mutationIds"); ids != entry.end() && ids->is_array())
    for (const json& id : *ids)
      if (id.is_string()) mutation = std::max(mutation, issuedNumber(id.get_ref<const std::string&>(), clientId + "#"));
}

}  // namespace

json SyncCore::metaRecord() const {
  return record("meta", kMetaKey,
                {{"clientId", clientId_}, {"cursor", cursor_}, {"clock", hlcToJson(clock_.last())},
                 {"nextMutation", nextMutation_}, {"nextConflict", nextConflict_},
                 {"outbox", outbox_->headerToJson()}});
}

json SyncCore::persistEffect() {
  json put = json::array();
  json del = json::array();
  for (const auto& [collection, id] : dirtyEntities_) {
    const Collection* c = findCollection(collection);
    if (c == nullptr || !syncOptions(collection).persist) continue;
    json key = json::array({collection, id});
    if (const Entity* e = c->find(id)) put.push_back(record("entities", std::move(key), entityValue(*e)));
    else del.push_back(removal("entities", std::move(key)));
  }
  for (std::uint64_t seq : dirtyOutbox_) {
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
    } else {
      del.push_back(removal("deadLetters", seq));
    }
  }
  for (const std::string& id : dirtyConflicts_) {
    auto it = conflicts_.find(id);
    if (it != conflicts_.end() && syncOptions(it->second.collection).persist)
      put.push_back(record("conflicts", id, conflictToJson(it->second)));
    else del.push_back(removal("conflicts", id));
  }
  if (dirtyMeta_ || !dirtyOutbox_.empty()) put.push_back(metaRecord());
  dirtyEntities_.clear();
  dirtyOutbox_.clear();
  dirtyConflicts_.clear();
  dirtyMeta_ = false;
  return {{"type", "persist"}, {"put", std::move(put)}, {"delete", std::move(del)}};
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
  return out;
}

Status SyncCore::restore(const json& records, Commit& out) {
  if (!records.is_array()) return Status::error(ErrorCode::WrongType, "records must be an array");
  for (const auto& [name, c] : collections_)
    if (c.count() != 0 || c.tombstones() != 0)
      return Status::error(ErrorCode::InvalidArgument, "restore needs a fresh core");
  if (outbox_->size() != 0 || !outbox_->deadLetters().empty())
    return Status::error(ErrorCode::InvalidArgument, "restore needs a fresh core");

  // Validate everything first; nothing changes unless every record reads back.
  struct EntityRecord {
    Collection* collection;
    std::string id;
    std::int64_t version;
    bool deleted;
    const json* data;
  };
  std::vector<EntityRecord> entities;
  json outboxDoc;
  json entries = json::array();
  json dead = json::array();
  std::vector<ParkedConflict> parked;
  const json* meta = nullptr;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    const std::string where = "record " + std::to_string(i);
    if (!r.is_object() || !r.contains("store") || !r["store"].is_string() || !r.contains("value"))
      return corrupt(where + ": not a {store, key, value} record");
    const std::string& store = r["store"].get_ref<const std::string&>();
    const json& value = r["value"];
    if (store == "entities") {
      const json& key = r.contains("key") ? r["key"] : json();
      if (!key.is_array() || key.size() != 2 || !key[0].is_string() || !key[1].is_string() ||
          !value.is_object() || !value.contains("version") || !value.contains("deleted") ||
          !value["deleted"].is_boolean() || !value.contains("data"))
        return corrupt(where + ": bad entity record");
      Collection* c = findCollection(key[0].get_ref<const std::string&>());
      if (c == nullptr) continue;  // a collection the app no longer defines
      EntityRecord e{c, key[1].get<std::string>(), 0, value["deleted"].get<bool>(), &value["data"]};
      if (!int64FromJson(value["version"], e.version) || (!e.deleted && !value["data"].is_object()))
        return corrupt(where + ": bad entity record");
      entities.push_back(std::move(e));
    } else if (store == "outbox") {
      entries.push_back(value);
    } else if (store == "deadLetters") {
      dead.push_back(value);
    } else if (store == "conflicts") {
      ParkedConflict pc;
      if (!conflictFromJson(value, pc)) return corrupt(where + ": bad conflict record");
      parked.push_back(std::move(pc));
    } else if (store == "meta") {
      meta = &value;
    } else {
      return corrupt(where + ": unknown store '" + store + "'");
    }
  }
  std::string clientId = clientId_;
  std::int64_t cursor = cursor_;
  HlcTimestamp clock = clock_.last();
  std::uint64_t nextMutation = nextMutation_, nextConflict = nextConflict_;
  if (meta != nullptr) {
    const json& m = *meta;
    std::int64_t nm = 0, nc = 0;
    if (!m.is_object() || !m.contains("clientId") || !m["clientId"].is_string() ||
        !m.contains("cursor") || !int64FromJson(m["cursor"], cursor) || !m.contains("clock") ||
        !hlcFromJson(m["clock"], clock) || !m.contains("nextMutation") || !int64FromJson(m["nextMutation"], nm) ||
        nm < 1 || !m.contains("nextConflict") || !int64FromJson(m["nextConflict"], nc) || nc < 1 ||
        !m.contains("outbox") || !m["outbox"].is_object())
      return corrupt("meta record is not readable");
    clientId = m["clientId"].get<std::string>();
    nextMutation = static_cast<std::uint64_t>(nm);
    nextConflict = static_cast<std::uint64_t>(nc);
    outboxDoc = m["outbox"];
  } else if (!entries.empty() || !dead.empty()) {
    return corrupt("outbox records without the meta record");
  }
  // The counters must lie beyond every number already issued, or the next mutation would reuse a
  // stored key or id (a server would take it for a resend). Records that say otherwise (torn or
  // tampered) are repaired by moving the counters on, rather than refused: nothing is lost.
  std::uint64_t highestKey = 0, highestMutation = 0, highestConflict = 0;
  for (const json& e : entries) scanIssued(e, clientId, highestKey, highestMutation);
  for (const json& d : dead)
    if (d.is_object() && d.contains("entry")) scanIssued(d["entry"], clientId, highestKey, highestMutation);
  for (const ParkedConflict& pc : parked) {
    highestConflict = std::max(highestConflict, issuedNumber(pc.id, "conflict-"));
    for (const std::string& id : pc.mutationIds) highestMutation = std::max(highestMutation, issuedNumber(id, clientId + "#"));
  }
  nextMutation = std::max(nextMutation, highestMutation + 1);
  nextConflict = std::max(nextConflict, highestConflict + 1);
  if (auto seq = outboxDoc.find("nextSeq"); seq != outboxDoc.end() && seq->is_number_unsigned() &&
                                            seq->get<std::uint64_t>() <= highestKey)
    *seq = highestKey + 1;

  auto restored = std::make_unique<Outbox>(clientId, outbox_->config(), 1);
  if (meta != nullptr) {
    outboxDoc["entries"] = std::move(entries);
    outboxDoc["deadLetters"] = std::move(dead);
    if (Status s = Outbox::fromJson(outboxDoc, *restored); !s) return corrupt("outbox: " + s.message);
  }

  // Apply.
  beginCommit(lastNow_);
  clientId_ = clientId;
  outbox_ = std::move(restored);
  applyServerLimits();
  clock_ = HybridLogicalClock(clientId_, clock_.maxDriftMs());
  clock_.restore(clock);
  cursor_ = cursor;
  nextMutation_ = nextMutation;
  nextConflict_ = nextConflict;
  for (EntityRecord& e : entities) {
    touchKnown(e.collection, e.id, false);
    if (e.deleted) e.collection->remove(e.id, e.version);
    else e.collection->upsert(e.id, e.version, *e.data);
  }
  for (ParkedConflict& pc : parked) conflicts_[pc.id] = std::move(pc);
  for (const auto& [seq, entry] : outbox_->entries()) {
    Collection* c = findCollection(entry.collection);
    if (c == nullptr) continue;
    touch(c, entry.entityId, false);
    recomputeView(c, entry.entityId);
  }
  // What was just read back is already stored: nothing to persist.
  dirtyEntities_.clear();
  dirtyOutbox_.clear();
  dirtyConflicts_.clear();
  dirtyMeta_ = false;
  finishCommit(out);
  return Status::ok();
}

}  // namespace syncore
