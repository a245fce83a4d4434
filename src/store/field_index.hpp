// The index of the fields queries read: for each top-level field that some open live query
// filters or sorts on, every confirmed live entity's value of it, kept decoded next to the
// entity's text (docs/entity_storage.md, "The query index"). A query's first answer and its
// updates then read these values instead of parsing the text; a field no open query uses has no
// column, so a store without queries pays nothing but an empty pointer per entity.
//
// The index knows only its columns and how a row is filled; the collection owns the rows (one per
// entity, in its Entity) and calls fill / clear from every write (collection.cpp).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_util.hpp"

namespace syncore {

class FieldIndex {
 public:
  // One value per column, in column order; a json of type discarded marks a field the entity
  // lacks (no parser produces one, so it cannot be mistaken for a value). Null: no columns.
  using Row = std::unique_ptr<json[]>;

  bool empty() const { return columns_.empty(); }
  std::size_t size() const { return columns_.size(); }
  const std::string& name(std::size_t column) const { return columns_[column].name; }
  // The column of a field, or npos.
  std::size_t column(std::string_view field) const;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // Counts one more user of each field; returns the fields that had no column (appended at the
  // end, in this order): the caller fills them in every row with widen.
  std::vector<std::string> retain(const std::vector<std::string>& fields);
  // Counts one user less; returns the columns (in descending order) nobody uses any more: the
  // caller removes them from every row with narrow, then calls dropColumns.
  std::vector<std::size_t> release(const std::vector<std::string>& fields);
  void dropColumns(const std::vector<std::size_t>& columnsDescending);

  // A write's row: the entity's values of every column (data: the entity object).
  void fill(Row& row, const json& data) const {
    if (!columns_.empty()) fillColumns(row, data);
  }
  // The same from the entity's canonical text (a write without a tree: the server batch's text
  // path), the values read as widen reads them.
  void fillFromText(Row& row, std::string_view text) const {
    if (!columns_.empty()) fillColumnsFromText(row, text);
  }
  // The row grown by the last columns, `added` (what retain returned), read from the entity's
  // stored text; scratch is reused from one entity to the next.
  void widen(Row& row, const std::vector<std::string>& added, std::string_view text,
             json& scratch) const;
  // The row without the given columns (descending order); null when none is left.
  void narrow(Row& row, const std::vector<std::size_t>& columnsDescending) const;

  // The value in a row (nullptr: the entity lacks the field).
  static const json* value(const Row& row, std::size_t column) {
    const json& v = row[column];
    return v.is_discarded() ? nullptr : &v;
  }
  // The value an entity object holds for a top-level field (nullptr: none), as a query reads it.
  static const json* topLevel(const json& entity, const std::string& field);

 private:
  struct Column {
    std::string name;
    std::size_t users = 0;
  };
  void fillColumns(Row& row, const json& data) const;
  void fillColumnsFromText(Row& row, std::string_view text) const;

  std::vector<Column> columns_;
  std::vector<std::string> names_;  // columns_' names, in column order (what readStoredFields takes)
};

}  // namespace syncore
