#include "store/field_index.hpp"

#include <algorithm>
#include <utility>

#include "store/stored_json.hpp"

namespace syncore {

namespace {
const json& missing() {
  static const json kMissing(json::value_t::discarded);
  return kMissing;
}
}  // namespace

std::size_t FieldIndex::column(std::string_view field) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == field) return i;
  return npos;
}

std::vector<std::string> FieldIndex::retain(const std::vector<std::string>& fields) {
  std::vector<std::string> added;
  for (const auto& field : fields) {
    const std::size_t i = column(field);
    if (i != npos) {
      ++columns_[i].users;
      continue;
    }
    columns_.push_back({field, 1});
    names_.push_back(field);
    added.push_back(field);
  }
  return added;
}

std::vector<std::size_t> FieldIndex::release(const std::vector<std::string>& fields) {
  std::vector<std::size_t> unused;
  for (const auto& field : fields) {
    const std::size_t i = column(field);
    if (i == npos || columns_[i].users == 0) continue;  // not retained: nothing to give back
    if (--columns_[i].users == 0) unused.push_back(i);
  }
  std::sort(unused.rbegin(), unused.rend());
  return unused;
}

void FieldIndex::dropColumns(const std::vector<std::size_t>& columnsDescending) {
  for (std::size_t i : columnsDescending) {
    columns_.erase(columns_.begin() + static_cast<std::ptrdiff_t>(i));
    names_.erase(names_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

const json* FieldIndex::topLevel(const json& entity, const std::string& field) {
  if (entity.is_object()) {
    auto it = entity.find(field);
    return it == entity.end() ? nullptr : &*it;
  }
  // Not an object (the store holds objects): whatever lookupPath answers for a one-part path.
  return lookupPath(entity, FieldPath{field});
}

void FieldIndex::fillColumns(Row& row, const json& data) const {
  if (!row) row.reset(new json[columns_.size()]);
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const json* v = topLevel(data, columns_[i].name);
    row[i] = v != nullptr ? *v : missing();
  }
}

void FieldIndex::fillColumnsFromText(Row& row, std::string_view text) const {
  if (!row) row.reset(new json[columns_.size()]);
  if (readStoredFields(text, names_, row.get())) return;
  fillColumns(row, treeFromStored(text));  // not expected (an escaped key): from the tree
}

void FieldIndex::widen(Row& row, const std::vector<std::string>& added, std::string_view text,
                       json& scratch) const {
  const std::size_t before = columns_.size() - added.size();
  Row grown(new json[columns_.size()]);
  for (std::size_t i = 0; i < before; ++i) grown[i] = std::move(row[i]);
  if (readStoredFields(text, added, &grown[before])) {
    row = std::move(grown);
    return;
  }
  // Not expected (an escaped key): the projection queries read before the index.
  fieldsFromStored(text, added, scratch);
  for (std::size_t k = 0; k < added.size(); ++k) {
    // The scratch is ours: its value is moved out (its node stays for the next entity).
    auto* v = const_cast<json*>(topLevel(scratch, added[k]));
    grown[before + k] = v != nullptr ? std::move(*v) : missing();
  }
  row = std::move(grown);
}

void FieldIndex::narrow(Row& row, const std::vector<std::size_t>& columnsDescending) const {
  if (!row || columnsDescending.empty()) return;
  const std::size_t before = columns_.size();
  const std::size_t after = before - columnsDescending.size();
  if (after == 0) {
    row.reset();
    return;
  }
  Row kept(new json[after]);
  std::size_t k = 0;
  for (std::size_t i = 0; i < before; ++i)
    if (std::find(columnsDescending.begin(), columnsDescending.end(), i) == columnsDescending.end())
      kept[k++] = std::move(row[i]);
  row = std::move(kept);
}

}  // namespace syncore
