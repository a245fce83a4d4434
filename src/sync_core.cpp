#include "sync_core.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "server_batch.hpp"

namespace syncore {

json commitToJson(const Commit& commit) {
  json queries = json::object();
  for (const auto& q : commit.queries)
    queries[std::to_string(q.query)] = {{"ids", q.ids}, {"total", q.total}};
  return {{"changes", changeSetToJson(commit.changes)},
          {"notify", commit.notify},
          {"queries", std::move(queries)},
          {"cursor", commit.cursor}};
}

SyncCore::SyncCore(ParseLimits limits) : limits_(limits) {}

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
  if (const Collection* existing = findCollection(name)) {
    if (existing->options().idField != parsed.idField)
      return Status::error(ErrorCode::InvalidArgument,
                           "collection '" + name + "' is already defined with other options");
    return Status::ok();
  }
  collections_.emplace(name, Collection(name, std::move(parsed)));
  return Status::ok();
}

Collection* SyncCore::findCollection(const std::string& name) {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : &it->second;
}

const Collection* SyncCore::findCollection(const std::string& name) const {
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : &it->second;
}

Status SyncCore::unknownCollection(const std::string& name) const {
  return Status::error(ErrorCode::UnknownCollection, "unknown collection '" + name + "'");
}

Status SyncCore::applyServer(json batch, Commit& out) {
  ServerBatch decoded;
  Status s = decodeServerBatch(
      batch, [this](const std::string& n) { return findCollection(n); }, decoded);
  if (!s) return s;

  // Net effect per entity across the whole commit: an entity created then deleted in one batch
  // is no change at all; one updated twice is one update.
  struct Touch {
    Collection* collection;
    std::string id;
    bool liveBefore;
  };
  std::vector<Touch> touched;
  std::unordered_map<std::string, std::unordered_set<std::string>> seen;
  for (ServerWrite& w : decoded.writes) {
    const bool liveBefore = w.collection->get(w.id) != nullptr;
    WriteResult r = w.kind == ServerWrite::Kind::Upsert
                        ? w.collection->upsert(w.id, w.version, std::move(*w.data))
                        : w.collection->remove(w.id, w.version);
    if (r == WriteResult::Ignored) continue;
    if (seen[w.collection->name()].insert(w.id).second)
      touched.push_back({w.collection, w.id, liveBefore});
  }
  for (const Touch& t : touched) {
    const bool liveAfter = t.collection->get(t.id) != nullptr;
    CollectionChanges& c = out.changes.collections[t.collection->name()];
    if (t.liveBefore && liveAfter) c.updated.push_back(t.id);
    else if (!t.liveBefore && liveAfter) c.created.push_back(t.id);
    else if (t.liveBefore && !liveAfter) c.deleted.push_back(t.id);
  }
  if (decoded.hasCursor && decoded.cursor > cursor_) cursor_ = decoded.cursor;
  finishCommit(out);
  return Status::ok();
}

void SyncCore::finishCommit(Commit& out) {
  out.cursor = cursor_;
  out.notify = subscriptions_.affected(out.changes);
  for (auto& [qid, open] : queries_) {
    const std::string& colName = open.query->spec().collection;
    auto changed = out.changes.collections.find(colName);
    if (changed == out.changes.collections.end() || changed->second.empty()) continue;
    const Collection* c = findCollection(colName);
    bool touched = false;
    std::unordered_set<std::string> changedIds;
    for (const auto* ids : {&changed->second.created, &changed->second.updated, &changed->second.deleted}) {
      for (const auto& id : *ids) {
        touched = open.query->onChange(id, c->get(id)) || touched;
        changedIds.insert(id);
      }
    }
    if (!touched) continue;
    // Report only when what a reader of the window sees moved: other ids, or new data in it.
    std::vector<std::string> window = open.query->window();
    bool visible = window != open.lastWindow || open.query->total() != open.lastTotal;
    for (std::size_t i = 0; !visible && i < window.size(); ++i) visible = changedIds.count(window[i]) != 0;
    if (!visible) continue;
    open.lastWindow = window;
    open.lastTotal = open.query->total();
    out.queries.push_back({qid, std::move(window), open.query->total()});
  }
}

Status SyncCore::get(const std::string& collection, const std::string& id, const json*& out) const {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  out = c->get(id);
  return Status::ok();
}

Status SyncCore::list(const std::string& collection, json& out) const {
  const Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  // Sorted by id so that list() is deterministic whatever the hash map's order.
  std::vector<std::pair<const std::string*, const json*>> rows;
  rows.reserve(c->count());
  c->forEachLive([&](const std::string& id, const json& data) { rows.emplace_back(&id, &data); });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  out = json::array();
  for (const auto& [id, data] : rows) out.push_back(*data);
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
  if (collection.empty()) {
    for (auto& [name, c] : collections_) dropped += c.compact(upToVersion);
    return Status::ok();
  }
  Collection* c = findCollection(collection);
  if (c == nullptr) return unknownCollection(collection);
  dropped = c->compact(upToVersion);
  return Status::ok();
}

Status SyncCore::openQuery(const json& spec, QueryUpdate& out) {
  QuerySpec parsed;
  if (Status s = parseQuerySpec(spec, parsed); !s) return s;
  const Collection* c = findCollection(parsed.collection);
  if (c == nullptr) return unknownCollection(parsed.collection);
  auto query = std::make_unique<LiveQuery>(std::move(parsed));
  c->forEachLive([&](const std::string& id, const json& data) { query->seed(id, data); });
  const std::uint32_t qid = nextQuery_++;
  OpenQuery open{std::move(query), {}};
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
  if (queries_.erase(query) == 0)
    return Status::error(ErrorCode::UnknownQuery, "no open query " + std::to_string(query));
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
    cols[name] = {{"entities", c.count()}, {"tombstones", c.tombstones()}, {"bytes", c.approxBytes()}};
    bytes += c.approxBytes();
  }
  return {{"collections", std::move(cols)},
          {"queries", queries_.size()},
          {"subscriptions", subscriptions_.size()},
          {"cache", {{"entries", cache_.size()}, {"bytes", cache_.approxBytes()}}},
          {"cursor", cursor_},
          {"memoryBytes", bytes}};
}

}  // namespace syncore
