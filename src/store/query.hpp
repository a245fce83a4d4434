// Query specs: parsing from JSON, predicate evaluation and the total sort order used by live
// queries. Everything here is pure and exception-free so it behaves the same natively and in wasm.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "base/errors.hpp"
#include "base/json_util.hpp"

namespace syncore {

enum class PredicateOp { Eq, Ne, Lt, Lte, Gt, Gte, In, Contains };

struct Predicate {
  std::string field;  // dotted path as written, kept for messages and debugging
  FieldPath path;     // split once at parse time
  PredicateOp op = PredicateOp::Eq;
  json value;
};

struct SortKey {
  std::string field;
  FieldPath path;
  bool descending = false;
};

struct QuerySpec {
  std::string collection;
  std::vector<Predicate> where;  // all must hold (AND)
  std::vector<SortKey> orderBy;  // ties broken by entity id ascending, so order is total
  std::size_t offset = 0;
  std::size_t limit = 0;         // 0 = no limit
};

// Parses a JSON query spec. Any malformed part yields ErrorCode::BadQuery naming the culprit;
// out is only written on success. Unknown top-level keys are ignored and an explicit null for an
// optional key (where, orderBy, limit, offset) counts as absent.
Status parseQuerySpec(const json& spec, QuerySpec& out);

// Name of an op as accepted by parseQuerySpec ("eq", "gte", ...).
const char* predicateOpName(PredicateOp op);

// True when every predicate of q holds for entity.
bool matches(const QuerySpec& q, const json& entity);
bool evalPredicate(const Predicate& p, const json& entity);
// The same on the value found at p.path (nullptr: the entity has none), already looked up.
bool evalPredicateOn(const Predicate& p, const json* v);

// Sort order of two (possibly missing = nullptr) field values:
// missing < null < boolean < number < string < array < object, then within the type.
// Returns -1, 0 or 1.
int compareSortValues(const json* a, const json* b);

// -1, 0, 1 like strcmp, using orderBy then the id (ascending even for descending keys).
int compareEntities(const QuerySpec& q, const json& a, const std::string& idA, const json& b,
                    const std::string& idB);

}  // namespace syncore
