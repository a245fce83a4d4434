#include "store/live_query.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace syncore {

namespace {

std::vector<bool> descendingFlags(const QuerySpec& spec) {
  std::vector<bool> flags;
  flags.reserve(spec.orderBy.size());
  for (const auto& key : spec.orderBy) flags.push_back(key.descending);
  return flags;
}

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

// parseQuerySpec refuses an empty path; a spec built by hand with one reads nothing there (no
// field: the value is missing) rather than out of range.
template <typename T>
void addAccess(const std::vector<std::string>& fields, const FieldPath& path, T& out) {
  typename T::value_type access;
  access.field = fields.size();
  if (!path.empty()) {
    access.field = static_cast<std::size_t>(std::find(fields.begin(), fields.end(), path[0]) - fields.begin());
    access.rest.assign(path.begin() + 1, path.end());
  }
  out.push_back(std::move(access));
}

}  // namespace

int LiveQuery::Order::compareKeys(const Member& a, const Member& b) const {
  for (std::size_t i = 0; i < descending.size(); ++i) {
    const int c = compareSortValues(a.key(i), b.key(i));
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
    : spec_(std::move(spec)), fields_(topLevelFields(spec_)), members_(Order{descendingFlags(spec_)}) {
  for (const auto& field : fields_) fieldPaths_.push_back(FieldPath{field});
  for (const auto& p : spec_.where) addAccess(fields_, p.path, where_);
  for (const auto& k : spec_.orderBy) addAccess(fields_, k.path, order_);
}

// lookupPath(entity, path) in two steps: the top-level value (given), then the rest inside it.
const json* LiveQuery::valueAt(const Access& access, FieldValues values) const {
  if (access.field >= fields_.size()) return nullptr;
  const json* top = values[access.field];
  if (top == nullptr || access.rest.empty()) return top;
  return lookupPath(*top, access.rest);
}

bool LiveQuery::matchesValues(FieldValues values) const {
  for (std::size_t i = 0; i < where_.size(); ++i)
    if (!evalPredicateOn(spec_.where[i], valueAt(where_[i], values))) return false;
  return true;
}

void LiveQuery::clear() {
  index_.clear();
  members_.clear();
}

LiveQuery::Member LiveQuery::makeMember(const std::string& id, FieldValues values) const {
  const json* few[4];  // no allocation for up to four sort keys
  std::vector<const json*> many;
  const json** keys = few;
  if (order_.size() > 4) {
    many.resize(order_.size());
    keys = many.data();
  }
  for (std::size_t i = 0; i < order_.size(); ++i) keys[i] = valueAt(order_[i], values);
  return memberWithKeys(id, keys);
}

LiveQuery::Member LiveQuery::memberWithKeys(const std::string& id, const json* const* keys) const {
  Member m;
  if (order_.size() > 1) m.more.reserve(order_.size() - 1);
  for (std::size_t i = 0; i < order_.size(); ++i) {
    json key = keys[i] != nullptr ? *keys[i] : json(json::value_t::discarded);
    if (i == 0) m.first = std::move(key);
    else m.more.push_back(std::move(key));
  }
  m.id = id;
  return m;
}

void LiveQuery::seed(const std::string& id, const json& entity) { onChange(id, &entity); }

void LiveQuery::beginSeed() {
  seeding_ = true;
  seeds_.clear();
  seedKeys_.clear();
}

void LiveQuery::seedValues(const std::string& id, FieldValues values) {
  if (!seeding_) {
    onChangeValues(id, true, values);
    return;
  }
  if (!matchesValues(values)) return;
  seeds_.push_back({&id, seedKeys_.size()});
  for (const auto& access : order_) seedKeys_.push_back(valueAt(access, values));
}

void LiveQuery::endSeed() {
  seeding_ = false;
  const std::size_t width = order_.size();
  const std::vector<bool> descending = members_.key_comp().descending;
  // The common case, one sort key holding integers everywhere (signed, or unsigned within the
  // signed range): the same order on the integers themselves (compareSortValues compares
  // integers by value, exactly), without its dispatch per compare.
  bool integers = width == 1;
  std::vector<std::int64_t> ints;
  if (integers) ints.resize(seedKeys_.size());
  for (std::size_t i = 0; integers && i < seedKeys_.size(); ++i) {
    const json* k = seedKeys_[i];
    if (k != nullptr && k->type() == json::value_t::number_integer) {
      ints[i] = *k->get_ptr<const json::number_integer_t*>();
    } else if (k != nullptr && k->type() == json::value_t::number_unsigned &&
               *k->get_ptr<const json::number_unsigned_t*>() <= static_cast<std::uint64_t>(INT64_MAX)) {
      ints[i] = static_cast<std::int64_t>(*k->get_ptr<const json::number_unsigned_t*>());
    } else {
      integers = false;
    }
  }
  // The order of Order::operator(), on the collected pointers. One comparator for both cases:
  // each std::sort instantiation is ~4 KB of wasm. The sort only makes the hints below right:
  // the set's own order still places every member.
  auto before = [&](const Candidate& a, const Candidate& b) {
    if (integers) {
      const std::int64_t x = ints[a.keys], y = ints[b.keys];
      if (x != y) return descending[0] ? x > y : x < y;
    } else {
      for (std::size_t i = 0; i < width; ++i) {
        const int c = compareSortValues(seedKeys_[a.keys + i], seedKeys_[b.keys + i]);
        if (c != 0) return descending[i] ? c > 0 : c < 0;
      }
    }
    return *a.id < *b.id;
  };
  std::sort(seeds_.begin(), seeds_.end(), before);
  index_.reserve(index_.size() + seeds_.size());
  for (const Candidate& s : seeds_) {
    if (index_.count(*s.id) != 0) continue;  // a member already (seeded twice, or before begin)
    Member m = memberWithKeys(*s.id, seedKeys_.data() + s.keys);
    // In order, so the hint (the end) is where it goes: no search.
    auto it = members_.emplace_hint(members_.end(), std::move(m));
    index_.emplace(*s.id, it);
  }
  std::vector<Candidate>().swap(seeds_);
  std::vector<const json*>().swap(seedKeys_);
}

bool LiveQuery::onChange(const std::string& id, const json* entity) {
  if (entity == nullptr) return onChangeValues(id, false, nullptr);
  std::vector<const json*> values(fields_.size());
  for (std::size_t i = 0; i < fields_.size(); ++i) values[i] = lookupPath(*entity, fieldPaths_[i]);
  return onChangeValues(id, true, values.data());
}

bool LiveQuery::onChangeValues(const std::string& id, bool live, FieldValues values) {
  auto found = index_.find(id);
  const bool was = found != index_.end();
  const bool now = live && matchesValues(values);

  if (was && !now) {
    members_.erase(found->second);
    index_.erase(found);
    return true;
  }
  if (!now) return false;

  Member m = makeMember(id, values);
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
