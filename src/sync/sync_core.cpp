#include "sync/sync_core.hpp"
#include "records/restore_session.hpp"  // complete for the destructor

#include <algorithm>

#include "wire/json_fast.hpp"
#include "wire/server_batch.hpp"

namespace syncore {

SyncCore::SyncCore(ParseLimits limits)
    : limits_(limits),
      outbox_(std::make_unique<Outbox>(clientId_, OutboxConfig{}, 1)),
      clock_(clientId_) {}

SyncCore::~SyncCore() = default;
SyncCore::SyncCore(SyncCore&&) noexcept = default;
SyncCore& SyncCore::operator=(SyncCore&&) noexcept = default;

namespace {

bool ruleFromName(const std::string& name, FieldRule& out) {
  if (name == "server") out = FieldRule::Server;
  else if (name == "client") out = FieldRule::Client;
  else if (name == "last-write-wins") out = FieldRule::LastWriteWins;
  else return false;
  return true;
}

Status parseSyncOptions(const json& options, CollectionSyncOptions& out) {
  if (!options.is_object()) return Status::ok();
  if (auto it = options.find("strategy"); it != options.end()) {
    if (!it->is_string() || !strategyFromName(it->get_ref<const std::string&>(), out.strategy))
      return Status::error(ErrorCode::WrongType,
                           "strategy must be server-wins, client-wins, last-write-wins, merge, custom or manual");
  }
  if (auto it = options.find("priority"); it != options.end()) {
    if (!it->is_string() || !priorityFromName(it->get_ref<const std::string&>(), out.priority))
      return Status::error(ErrorCode::WrongType, "priority must be low, normal, high or critical");
  }
  if (auto it = options.find("sensitiveFields"); it != options.end()) out.sensitive = sensitiveFieldsFromJson(*it);
  if (auto it = options.find("persist"); it != options.end()) {
    if (!it->is_boolean()) return Status::error(ErrorCode::WrongType, "persist must be a boolean");
    out.persist = it->get<bool>();
  }
  if (auto it = options.find("references"); it != options.end()) {
    const char* bad = "references must map field names to collection names (strings)";
    if (!it->is_object()) return Status::error(ErrorCode::WrongType, bad);
    for (auto ref = it->begin(); ref != it->end(); ++ref) {
      if (ref.key().empty() || !ref->is_string() || ref->get_ref<const std::string&>().empty())
        return Status::error(ErrorCode::WrongType, bad);
      out.references[ref.key()] = ref->get<std::string>();
    }
  }
  if (auto it = options.find("mergeRules"); it != options.end()) {
    if (!it->is_object()) return Status::error(ErrorCode::WrongType, "mergeRules must be an object");
    const char* bad = "merge rules are server, client or last-write-wins";
    if (auto d = it->find("default"); d != it->end()) {
      if (!d->is_string() || !ruleFromName(d->get_ref<const std::string&>(), out.mergeRules.defaultRule))
        return Status::error(ErrorCode::WrongType, bad);
    }
    if (auto f = it->find("fields"); f != it->end()) {
      if (!f->is_object()) return Status::error(ErrorCode::WrongType, "mergeRules.fields must be an object");
      for (auto rule = f->begin(); rule != f->end(); ++rule) {
        FieldRule r;
        if (!rule->is_string() || !ruleFromName(rule->get_ref<const std::string&>(), r))
          return Status::error(ErrorCode::WrongType, bad);
        out.mergeRules.byPath[rule.key()] = r;
      }
    }
  }
  return Status::ok();
}

}  // namespace

Status SyncCore::defineCollection(const std::string& name, const json& options) {
  if (name.empty()) return Status::error(ErrorCode::InvalidArgument, "collection name is empty");
  if (!options.is_null() && !options.is_object())
    return Status::error(ErrorCode::WrongType, "collection options must be an object");
  CollectionOptions parsed;
  if (options.is_object()) {
    if (auto it = options.find("idField"); it != options.end()) {
      if (!it->is_string() || it->get_ref<const std::string&>().empty())
        return Status::error(ErrorCode::WrongType, "idField must be a non-empty string");
      parsed.idField = it->get_ref<const std::string&>();
    }
  }
  CollectionSyncOptions sync;
  if (Status s = parseSyncOptions(options, sync); !s) return s;
  if (const Collection* existing = findCollection(name)) {
    if (existing->options().idField != parsed.idField)
      return Status::error(ErrorCode::InvalidArgument,
                           "collection '" + name + "' is already defined with other options");
    syncOptions_[name] = sync;  // sync settings may be changed at any time
    return Status::ok();
  }
  collections_.emplace(name, Collection(name, std::move(parsed)));
  syncOptions_[name] = sync;
  return Status::ok();
}

const CollectionSyncOptions& SyncCore::syncOptions(const std::string& collection) const {
  static const CollectionSyncOptions defaults;
  auto it = syncOptions_.find(collection);
  return it == syncOptions_.end() ? defaults : it->second;
}

Collection* SyncCore::findCollection(std::string_view name) {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : &it->second;
}

const Collection* SyncCore::findCollection(std::string_view name) const {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : &it->second;
}

Status SyncCore::unknownCollection(const std::string& name) const {
  return Status::error(ErrorCode::UnknownCollection, "unknown collection '" + name + "'");
}

// ---- server input ----------------------------------------------------------------------------

Status SyncCore::applyServer(json batch, std::int64_t nowMs, Commit& out) {
  ServerBatch decoded;
  Status s = decodeServerBatch(
      batch, [this](const std::string& n) { return findCollection(n); }, limits_, decoded);
  if (!s) return s;
  applyDecoded(decoded, nowMs, out);
  return Status::ok();
}

Status SyncCore::applyServerText(std::string_view text, std::int64_t nowMs, Commit& out) {
  ServerBatch decoded;
  if (!decodeServerBatchText(text, [this](const std::string& n) { return findCollection(n); }, limits_, decoded)) {
    json batch;  // the tree path: what the text reader leaves to it, and every error
    if (Status s = parseJsonFast(text, batch, limits_.forText()); !s) return s;
    return applyServer(std::move(batch), nowMs, out);
  }
  applyDecoded(decoded, nowMs, out);
  return Status::ok();
}

void SyncCore::applyDecoded(ServerBatch& decoded, std::int64_t nowMs, Commit& out) {
  beginCommit(nowMs);
  for (ServerWrite& w : decoded.writes) applyServerWrite(w, out);
  if (decoded.hasCursor && decoded.cursor > cursor_ && !resyncing_) {  // a resync sets it at the end
    cursor_ = decoded.cursor;
    markMeta();
  }
  finishCommit(out);
}

namespace {

// What a set-aside change names, as far as it could be read.
void describeChange(const json& op, json& collection, json& id) {
  if (!op.is_object()) return;
  if (auto c = op.find("collection"); c != op.end() && c->is_string()) collection = *c;
  std::string text;
  if (auto i = op.find("id"); i != op.end() && idFromJson(*i, text)) id = text;
}

}  // namespace

Status SyncCore::applyServerChanges(const std::vector<std::string_view>& changes, bool hasCursor,
                                    std::int64_t cursor, std::int64_t nowMs, Commit& out) {
  if (hasCursor && cursor < 0) return Status::error(ErrorCode::WrongType, "cursor must be a non-negative integer");
  const auto lookup = [this](const std::string& n) { return findCollection(n); };
  json setAside = json::array();
  beginCommit(nowMs);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    json op;
    Status s = parseJsonFast(changes[i], op, limits_.forText());
    ServerBatch decoded;
    json one = json::array();
    if (s) {
      one.push_back(std::move(op));
      s = decodeServerBatch(one, lookup, limits_, decoded);
    }
    if (!s) {
      json collection, id;
      if (!one.empty()) describeChange(one[0], collection, id);
      setAside.push_back({{"index", i}, {"collection", collection}, {"id", id}, {"code", errorCodeName(s.code)},
                          {"message", s.message}, {"raw", std::string(changes[i])}});
      out.events.push_back({EventType::ChangeSetAside, {{"index", i}, {"collection", collection}, {"id", id},
                            {"code", errorCodeName(s.code)}, {"message", s.message}}});
      continue;
    }
    for (ServerWrite& w : decoded.writes) applyServerWrite(w, out);
  }
  if (!setAside.empty()) {
    setAside_ += setAside.size();
    markMeta();
  }
  // Every change was applied or set aside: the cursor may pass them all.
  if (hasCursor && cursor > cursor_ && !resyncing_) {  // a resync sets it at the end
    cursor_ = cursor;
    markMeta();
  }
  finishCommit(out);
  // Kept by the shim before the persist effect that moves the cursor past them.
  if (!setAside.empty())
    out.effects.insert(out.effects.begin(), Effect{EffectKind::SetAside, {{"changes", std::move(setAside)}}});
  return Status::ok();
}

Status SyncCore::clearSetAside(std::int64_t nowMs, Commit& out) {
  beginCommit(nowMs);
  if (setAside_ != 0) {
    setAside_ = 0;
    markMeta();
  }
  finishCommit(out);
  return Status::ok();
}

void SyncCore::applyServerWrite(ServerWrite& w, Commit& out) {
  switch (w.kind) {
    case ServerWrite::Kind::Upsert:
    case ServerWrite::Kind::Delete: {
      std::uint64_t seq = 0;
      if (!w.key.empty() && findByKey(w.key, seq)) {
        handleAck(w, out);  // the echo of our own mutation: it is that mutation's ack
        break;
      }
      const bool upsert = w.kind == ServerWrite::Kind::Upsert;
      remoteWrite(w.collection, w.id, w.version, upsert ? w.data : nullptr,
                  upsert && w.hasCanonical() ? &w.canonical : nullptr, w.ts, out);
      break;
    }
    case ServerWrite::Kind::Ack:
      handleAck(w, out);
      break;
    case ServerWrite::Kind::Rename:
      renameHeld(w.collection, w.id, w.to, out);
      break;
    case ServerWrite::Kind::Reject:
      handleReject(w, out);
      break;
    case ServerWrite::Kind::Conflict:
      handleConflict(w, out);
      break;
  }
}

// ---- reads -----------------------------------------------------------------------------------

Status SyncCore::get(const std::string& collection, const std::string& id, EntityRef& out) const {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  out = c->get(id);
  return Status::ok();
}

Status SyncCore::list(const std::string& collection, json& out) const {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  // Sorted by id so that list() is deterministic whatever the hash map's order. The trees are
  // built for this read (confirmed entities are held as text): kept by value, ordered by a json
  // object's own map (its code is in the wasm already; a std::sort of rows was ~6 KB more of it).
  json::object_t rows;
  c->forEachLive([&](const std::string& id, const json& data) { rows[id] = data; });
  out = json::array();
  out.get_ref<json::array_t&>().reserve(rows.size());
  for (auto& row : rows) out.push_back(std::move(row.second));
  return Status::ok();
}

Status SyncCore::count(const std::string& collection, std::size_t& out) const {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  out = c->count();
  return Status::ok();
}

Status SyncCore::entityVersion(const std::string& collection, const std::string& id,
                               std::int64_t& out) const {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  const Entity* e = c->find(id);
  out = e == nullptr ? -1 : e->version;
  return Status::ok();
}

Status SyncCore::compact(const std::string& collection, std::int64_t upToVersion,
                         std::size_t& dropped) {
  dropped = 0;
  std::vector<Collection*> targets;
  if (collection.empty()) {
    for (auto& [name, c] : collections_) targets.push_back(&c);
  } else {
    Collection* c = findCollection(collection);
    if (c == nullptr) return unknownCollection(collection);
    targets.push_back(c);
  }
  for (Collection* c : targets) {
    // Persisted tombstones go too: remember which ids to delete from storage.
    std::vector<std::string> ids;
    c->forEachTombstone(upToVersion, [&](const std::string& id) { ids.push_back(id); });
    dropped += c->compact(upToVersion);
    for (auto& id : ids) markEntity(c->name(), id);
  }
  return Status::ok();
}

// ---- live queries and subscriptions ------------------------------------------------------------

Status SyncCore::openQuery(const json& spec, QueryUpdate& out) {
  QuerySpec parsed;
  if (Status s = parseQuerySpec(spec, parsed); !s) return s;
  Collection* c = findCollection(parsed.collection);
  if (c == nullptr) return unknownCollection(parsed.collection);
  auto query = std::make_unique<LiveQuery>(std::move(parsed));
  c->retainFields(query->fields());  // released in closeQuery
  query->beginSeed();
  c->forEachLiveValues(query->fields(), [&](const std::string& id, const json* const* values) {
    query->seedValues(id, values);
  });
  query->endSeed();
  const std::uint32_t qid = nextQuery_++;
  OpenQuery open{std::move(query), {}, 0};
  open.lastWindow = open.query->window();
  open.lastTotal = open.query->total();
  out = {qid, open.lastWindow, open.query->total()};
  queries_.emplace(qid, std::move(open));
  return Status::ok();
}

Status SyncCore::queryResult(std::uint32_t query, QueryUpdate& out) const {
  auto it = queries_.find(query);
  if (it == queries_.end())
    return Status::error(ErrorCode::UnknownQuery, "no open query " + std::to_string(query));
  out = {query, it->second.lastWindow, it->second.query->total()};
  return Status::ok();
}

Status SyncCore::closeQuery(std::uint32_t query) {
  auto it = queries_.find(query);
  if (it == queries_.end())
    return Status::error(ErrorCode::UnknownQuery, "no open query " + std::to_string(query));
  if (Collection* c = findCollection(it->second.query->spec().collection))
    c->releaseFields(it->second.query->fields());
  queries_.erase(it);
  return Status::ok();
}

Status SyncCore::subscribe(const std::string& collection, const std::string& id,
                           std::uint32_t& out) {
  if (findCollection(collection) == nullptr) return unknownCollection(collection);
  out = subscriptions_.subscribe(collection, id);
  return Status::ok();
}

Status SyncCore::unsubscribe(std::uint32_t sub) {
  if (!subscriptions_.unsubscribe(sub))
    return Status::error(ErrorCode::UnknownSubscription, "no subscription " + std::to_string(sub));
  return Status::ok();
}

json SyncCore::stats() const {
  json cols = json::object();
  std::size_t bytes = cache_.approxBytes();
  for (const auto& [name, c] : collections_) {
    json indexed = json::array();  // the fields open queries read, kept decoded (field_index.hpp)
    for (std::size_t i = 0; i < c.fieldIndex().size(); ++i) indexed.push_back(c.fieldIndex().name(i));
    cols[name] = {{"entities", c.count()}, {"tombstones", c.tombstones()}, {"bytes", c.approxBytes()},
                  {"indexedFields", std::move(indexed)}};
    bytes += c.approxBytes();
  }
  return {{"collections", std::move(cols)},
          {"queries", queries_.size()},
          {"subscriptions", subscriptions_.size()},
          {"cache", {{"entries", cache_.size()}, {"bytes", cache_.approxBytes()}}},
          {"cursor", cursor_},
          {"pending", outbox_->size()},
          {"deadLetters", outbox_->deadLetters().size()},
          {"conflicts", conflicts_.size()},
          {"setAside", setAside_},
          {"epoch", epoch_},
          {"resyncing", resyncing_},
          {"memoryBytes", bytes}};
}

}  // namespace syncore
