// Collection's side of the query index (store/field_index.hpp): columns retained and released by
// the open queries, and the values a query reads per entity. The writes that keep each row
// current are in collection.cpp (every write of an entity's text fills or clears its row).
#include <vector>

#include "store/collection.hpp"
#include "store/stored_json.hpp"

namespace syncore {

void Collection::retainFields(const std::vector<std::string>& fields) {
  const std::vector<std::string> added = index_.retain(fields);
  if (added.empty()) return;
  json scratch = json::object();
  for (auto& [id, e] : entities_)
    if (!e.deleted) index_.widen(e.indexed, added, e.text, scratch);
}

void Collection::releaseFields(const std::vector<std::string>& fields) {
  const std::vector<std::size_t> unused = index_.release(fields);
  if (unused.empty()) return;
  for (auto& [id, e] : entities_) index_.narrow(e.indexed, unused);
  index_.dropColumns(unused);
}

namespace {
// Where each field's values are: its column, or npos when no query retained it (read from the
// text then: slower, same answer).
std::vector<std::size_t> columnsOf(const FieldIndex& index, const std::vector<std::string>& fields, bool& all) {
  std::vector<std::size_t> columns(fields.size());
  all = true;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    columns[i] = index.column(fields[i]);
    all = all && columns[i] != FieldIndex::npos;
  }
  return columns;
}

void fromTree(const json& view, const std::vector<std::string>& fields, const json** out) {
  for (std::size_t i = 0; i < fields.size(); ++i) out[i] = FieldIndex::topLevel(view, fields[i]);
}
}  // namespace

void Collection::confirmedValues(const Entity& e, const std::vector<std::string>& fields,
                                 const std::vector<std::size_t>& columns, bool all,
                                 const json** out, json& scratch) const {
  if (all && e.indexed) {
    for (std::size_t i = 0; i < fields.size(); ++i) out[i] = FieldIndex::value(e.indexed, columns[i]);
    return;
  }
  fieldsFromStored(e.text, fields, scratch);
  fromTree(scratch, fields, out);
}

bool Collection::fieldValues(const std::string& id, const std::vector<std::string>& fields,
                             const json** out, json& scratch) const {
  if (!overlay_.empty()) {
    auto o = overlay_.find(id);
    if (o != overlay_.end()) {
      if (!o->second.live()) return false;
      fromTree(overlayTree(o->second), fields, out);
      return true;
    }
  }
  const Entity* e = find(id);
  if (e == nullptr || e->deleted) return false;
  bool all = false;
  const std::vector<std::size_t> columns = columnsOf(index_, fields, all);
  confirmedValues(*e, fields, columns, all, out, scratch);
  return true;
}

void Collection::forEachLiveValues(
    const std::vector<std::string>& fields,
    const std::function<void(const std::string&, const json* const*)>& visit) const {
  bool all = false;
  const std::vector<std::size_t> columns = columnsOf(index_, fields, all);
  std::vector<const json*> values(fields.size());
  json scratch = json::object();
  const bool overlaid = !overlay_.empty();
  for (const auto& [id, e] : entities_) {
    if (e.deleted || (overlaid && overlay_.count(id) != 0)) continue;
    confirmedValues(e, fields, columns, all, values.data(), scratch);
    visit(id, values.data());
  }
  for (const auto& [id, view] : overlay_) {
    if (!view.live()) continue;
    fromTree(overlayTree(view), fields, values.data());
    visit(id, values.data());
  }
}

}  // namespace syncore
