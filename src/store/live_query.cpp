#include "store/live_query.hpp"

#include <algorithm>
#include <utility>

namespace syncore {

namespace {

std::vector<bool> descendingFlags(const QuerySpec& spec) {
  std::vector<bool> flags;
  flags.reserve(spec.orderBy.size());
  for (const auto& key : spec.orderBy) flags.push_back(key.descending);
  return flags;
}

const json* keyPtr(const std::optional<json>& key) { return key ? &*key : nullptr; }

std::vector<std::string> topLevelFields(const QuerySpec& spec) {
  std::vector<std::string> fields;
  auto add = [&](const FieldPath& path) {
    if (path.empty()) return;
    if (std::find(fields.begin(), fields.end(), path[0]) == fields.end()) fields.push_back(path[0]);
  };
  for (const auto& p : spec.where) add(p.path);
  for (const auto& k : spec.orderBy) add(k.path);
  return fields;
}

}  // namespace

int LiveQuery::Order::compareKeys(const Member& a, const Member& b) const {
  for (std::size_t i = 0; i < descending.size(); ++i) {
    const int c = compareSortValues(keyPtr(a.keys[i]), keyPtr(b.keys[i]));
    if (c != 0) return descending[i] ? -c : c;
  }
  return 0;
}

// Same order as compareEntities, on the stored copies.
bool LiveQuery::Order::operator()(const Member& a, const Member& b) const {
  const int c = compareKeys(a, b);
  if (c != 0) return c < 0;
  return a.id < b.id;
}

LiveQuery::LiveQuery(QuerySpec spec)
    : spec_(std::move(spec)), fields_(topLevelFields(spec_)), members_(Order{descendingFlags(spec_)}) {}

void LiveQuery::clear() {
  index_.clear();
  members_.clear();
}

LiveQuery::Member LiveQuery::makeMember(const std::string& id, const json& entity) const {
  Member m;
  m.keys.reserve(spec_.orderBy.size());
  for (const auto& key : spec_.orderBy) {
    const json* v = lookupPath(entity, key.path);
    if (v) m.keys.emplace_back(*v);
    else m.keys.emplace_back(std::nullopt);
  }
  m.id = id;
  return m;
}

void LiveQuery::seed(const std::string& id, const json& entity) { onChange(id, &entity); }

bool LiveQuery::onChange(const std::string& id, const json* entity) {
  auto found = index_.find(id);
  const bool was = found != index_.end();
  const bool now = entity != nullptr && matches(spec_, *entity);

  if (was && !now) {
    members_.erase(found->second);
    index_.erase(found);
    return true;
  }
  if (!now) return false;

  Member m = makeMember(id, *entity);
  if (was) {
    // Same position: keep the node; the stale copies order exactly like the new values.
    if (members_.key_comp().compareKeys(*found->second, m) == 0) return true;
    members_.erase(found->second);
    found->second = members_.insert(std::move(m)).first;
    return true;
  }
  auto inserted = members_.insert(std::move(m)).first;
  index_.emplace(id, inserted);
  return true;
}

std::vector<std::string> LiveQuery::window() const {
  std::vector<std::string> ids;
  const std::size_t size = members_.size();
  if (spec_.offset >= size) return ids;
  std::size_t count = size - spec_.offset;
  if (spec_.limit != 0 && spec_.limit < count) count = spec_.limit;  // no offset+limit overflow
  ids.reserve(count);
  auto it = members_.begin();
  for (std::size_t i = 0; i < spec_.offset; ++i) ++it;
  for (std::size_t i = 0; i < count; ++i, ++it) ids.push_back(it->id);
  return ids;
}

}  // namespace syncore
