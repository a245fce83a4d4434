#include "store/query.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace syncore {

namespace {

Status bad(std::string message) { return Status::error(ErrorCode::BadQuery, std::move(message)); }

template <typename T>
int sign3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Exact comparisons between the three nlohmann number representations: casting everything to
// double would make 2^53+1 equal to 2^53 and break the strict weak order the live set relies on.
int cmpIntUnsigned(std::int64_t i, std::uint64_t u) {
  if (i < 0) return -1;
  return sign3(static_cast<std::uint64_t>(i), u);
}

// NaN cannot come out of the parser but can be built in code; it sorts below every other number
// and equal to itself so the order stays total.
int cmpDoubleDouble(double a, double b) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? -1 : 1);
  return sign3(a, b);
}

int cmpDoubleInt(double d, std::int64_t i) {
  if (std::isnan(d)) return -1;
  // 2^63 is exact in a double; outside [-2^63, 2^63) the double is beyond any int64.
  if (d < -9223372036854775808.0) return -1;
  if (d >= 9223372036854775808.0) return 1;
  const auto whole = static_cast<std::int64_t>(d);  // truncates toward zero, in range here
  if (whole != i) return sign3(whole, i);
  const double frac = d - static_cast<double>(whole);  // exact: same binade or smaller
  return frac < 0 ? -1 : (frac > 0 ? 1 : 0);
}

int cmpDoubleUnsigned(double d, std::uint64_t u) {
  if (std::isnan(d)) return -1;
  if (d < 0) return -1;
  if (d >= 18446744073709551616.0) return 1;  // 2^64
  const auto whole = static_cast<std::uint64_t>(d);
  if (whole != u) return sign3(whole, u);
  return d > static_cast<double>(whole) ? 1 : 0;
}

// Both arguments must be numbers. Dispatch on type(): get_ptr<number_integer_t*> also answers
// for unsigned values (is_number_integer() is true for them) and would reinterpret the bits.
int compareNumbers(const json& a, const json& b) {
  using T = json::value_t;
  const T ta = a.type(), tb = b.type();
  const auto sInt = [](const json& v) { return *v.get_ptr<const json::number_integer_t*>(); };
  const auto uInt = [](const json& v) { return *v.get_ptr<const json::number_unsigned_t*>(); };
  const auto dbl = [](const json& v) { return *v.get_ptr<const json::number_float_t*>(); };
  if (ta == T::number_float) {
    if (tb == T::number_float) return cmpDoubleDouble(dbl(a), dbl(b));
    if (tb == T::number_unsigned) return cmpDoubleUnsigned(dbl(a), uInt(b));
    return cmpDoubleInt(dbl(a), sInt(b));
  }
  if (ta == T::number_unsigned) {
    if (tb == T::number_float) return -cmpDoubleUnsigned(dbl(b), uInt(a));
    if (tb == T::number_unsigned) return sign3(uInt(a), uInt(b));
    return -cmpIntUnsigned(sInt(b), uInt(a));
  }
  if (tb == T::number_float) return -cmpDoubleInt(dbl(b), sInt(a));
  if (tb == T::number_unsigned) return cmpIntUnsigned(sInt(a), uInt(b));
  return sign3(sInt(a), sInt(b));
}

bool isNaN(const json& v) {
  const auto* f = v.get_ptr<const json::number_float_t*>();
  return f && std::isnan(*f);
}

// Range comparison for lt/lte/gt/gte: only number~number and string~string are ordered.
bool orderedCompare(const json& field, const json& value, int& out) {
  if (field.is_number() && value.is_number()) {
    if (isNaN(field) || isNaN(value)) return false;  // IEEE: NaN is never <, <=, >, >=
    out = compareNumbers(field, value);
    return true;
  }
  if (field.is_string() && value.is_string()) {
    // char_traits<char>::compare is memcmp-like, i.e. bytewise unsigned.
    const int c = field.get_ref<const std::string&>().compare(value.get_ref<const std::string&>());
    out = c < 0 ? -1 : (c > 0 ? 1 : 0);
    return true;
  }
  return false;
}

int typeRank(const json* v) {
  if (v == nullptr) return 0;
  switch (v->type()) {
    case json::value_t::null: return 1;
    case json::value_t::boolean: return 2;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return 3;
    case json::value_t::string: return 4;
    case json::value_t::array: return 5;
    case json::value_t::object: return 6;
    case json::value_t::binary: return 7;
    case json::value_t::discarded: return 8;
  }
  return 8;
}

bool opFromName(const std::string& name, PredicateOp& out) {
  static const std::pair<const char*, PredicateOp> kOps[] = {
      {"eq", PredicateOp::Eq},   {"ne", PredicateOp::Ne},   {"lt", PredicateOp::Lt},
      {"lte", PredicateOp::Lte}, {"gt", PredicateOp::Gt},   {"gte", PredicateOp::Gte},
      {"in", PredicateOp::In},   {"contains", PredicateOp::Contains},
  };
  for (const auto& entry : kOps) {
    if (name == entry.first) {
      out = entry.second;
      return true;
    }
  }
  return false;
}

Status parseField(const json& v, const std::string& ctx, std::string& field, FieldPath& path) {
  if (!v.is_string()) return bad(ctx + ": field must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty()) return bad(ctx + ": field must not be empty");
  FieldPath parts = splitPath(s);
  for (const auto& part : parts) {
    if (part.empty()) return bad(ctx + ": field '" + s + "' has an empty path segment");
  }
  field = s;
  path = std::move(parts);
  return Status::ok();
}

Status parsePredicate(const json& item, const std::string& ctx, Predicate& out) {
  const json* field = nullptr;
  const json* op = nullptr;
  const json* value = nullptr;
  if (item.is_object()) {
    auto f = item.find("field"), o = item.find("op"), v = item.find("value");
    if (f == item.end()) return bad(ctx + ": missing 'field'");
    if (o == item.end()) return bad(ctx + ": missing 'op'");
    if (v == item.end()) return bad(ctx + ": missing 'value'");
    field = &*f;
    op = &*o;
    value = &*v;
  } else if (item.is_array()) {
    if (item.size() != 3) return bad(ctx + ": must have 3 elements [field, op, value]");
    field = &item[0];
    op = &item[1];
    value = &item[2];
  } else {
    return bad(ctx + ": must be an object {field, op, value} or an array [field, op, value]");
  }
  Predicate p;
  Status st = parseField(*field, ctx, p.field, p.path);
  if (!st) return st;
  if (!op->is_string()) return bad(ctx + ": op must be a string");
  const auto& opName = op->get_ref<const std::string&>();
  if (!opFromName(opName, p.op)) return bad(ctx + ": unknown op '" + opName + "'");
  if (p.op == PredicateOp::In && !value->is_array()) {
    return bad(ctx + ": value of 'in' must be an array");
  }
  p.value = *value;
  out = std::move(p);
  return Status::ok();
}

Status parseDir(const json& dir, const std::string& ctx, bool& descending) {
  if (dir.is_null()) return Status::ok();  // same as absent
  if (dir.is_string()) {
    const auto& s = dir.get_ref<const std::string&>();
    if (s == "asc" || s == "desc") {
      descending = s == "desc";
      return Status::ok();
    }
  }
  return bad(ctx + ": dir must be \"asc\" or \"desc\"");
}

Status parseSortKey(const json& item, const std::string& ctx, SortKey& out) {
  SortKey key;
  Status st;
  if (item.is_string()) {
    st = parseField(item, ctx, key.field, key.path);
  } else if (item.is_object()) {
    auto f = item.find("field");
    if (f == item.end()) return bad(ctx + ": missing 'field'");
    st = parseField(*f, ctx, key.field, key.path);
    auto d = item.find("dir");
    if (st && d != item.end()) st = parseDir(*d, ctx, key.descending);
  } else if (item.is_array()) {
    if (item.size() != 2) return bad(ctx + ": must have 2 elements [field, dir]");
    st = parseField(item[0], ctx, key.field, key.path);
    if (st) st = parseDir(item[1], ctx, key.descending);
  } else {
    return bad(ctx + ": must be a field string, an object {field, dir} or an array [field, dir]");
  }
  if (!st) return st;
  out = std::move(key);
  return Status::ok();
}

// limit/offset: non-negative integers; values past size_t (wasm32) clamp, which means "all".
Status parseCount(const json& spec, const char* key, std::size_t& out) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return Status::ok();
  // Unsigned first: the integer pointer would also be handed out for an unsigned value.
  if (const auto* u = it->get_ptr<const json::number_unsigned_t*>()) {
    out = static_cast<std::size_t>(
        std::min<std::uint64_t>(*u, std::numeric_limits<std::size_t>::max()));
    return Status::ok();
  }
  if (const auto* i = it->get_ptr<const json::number_integer_t*>()) {
    if (*i < 0) return bad(std::string(key) + " must not be negative");
    out = static_cast<std::size_t>(std::min<std::uint64_t>(
        static_cast<std::uint64_t>(*i), std::numeric_limits<std::size_t>::max()));
    return Status::ok();
  }
  return bad(std::string(key) + " must be a non-negative integer");
}

}  // namespace

const char* predicateOpName(PredicateOp op) {
  switch (op) {
    case PredicateOp::Eq: return "eq";
    case PredicateOp::Ne: return "ne";
    case PredicateOp::Lt: return "lt";
    case PredicateOp::Lte: return "lte";
    case PredicateOp::Gt: return "gt";
    case PredicateOp::Gte: return "gte";
    case PredicateOp::In: return "in";
    case PredicateOp::Contains: return "contains";
  }
  return "?";
}

Status parseQuerySpec(const json& spec, QuerySpec& out) {
  if (!spec.is_object()) return bad("query spec must be an object");
  QuerySpec q;

  auto coll = spec.find("collection");
  if (coll == spec.end()) return bad("collection is required");
  if (!coll->is_string()) return bad("collection must be a string");
  q.collection = coll->get_ref<const std::string&>();
  if (q.collection.empty()) return bad("collection must not be empty");

  auto where = spec.find("where");
  if (where != spec.end() && !where->is_null()) {
    if (!where->is_array()) return bad("where must be an array");
    q.where.reserve(where->size());
    for (std::size_t i = 0; i < where->size(); ++i) {
      Predicate p;
      Status st = parsePredicate((*where)[i], "where[" + std::to_string(i) + "]", p);
      if (!st) return st;
      q.where.push_back(std::move(p));
    }
  }

  auto order = spec.find("orderBy");
  if (order != spec.end() && !order->is_null()) {
    if (!order->is_array()) return bad("orderBy must be an array");
    q.orderBy.reserve(order->size());
    for (std::size_t i = 0; i < order->size(); ++i) {
      SortKey key;
      Status st = parseSortKey((*order)[i], "orderBy[" + std::to_string(i) + "]", key);
      if (!st) return st;
      q.orderBy.push_back(std::move(key));
    }
  }

  Status st = parseCount(spec, "limit", q.limit);
  if (!st) return st;
  st = parseCount(spec, "offset", q.offset);
  if (!st) return st;

  out = std::move(q);
  return Status::ok();
}

bool evalPredicate(const Predicate& p, const json& entity) {
  return evalPredicateOn(p, lookupPath(entity, p.path));
}

bool evalPredicateOn(const Predicate& p, const json* v) {
  int c = 0;
  switch (p.op) {
    case PredicateOp::Eq: return v != nullptr && *v == p.value;
    case PredicateOp::Ne: return v == nullptr || !(*v == p.value);
    case PredicateOp::Lt: return v != nullptr && orderedCompare(*v, p.value, c) && c < 0;
    case PredicateOp::Lte: return v != nullptr && orderedCompare(*v, p.value, c) && c <= 0;
    case PredicateOp::Gt: return v != nullptr && orderedCompare(*v, p.value, c) && c > 0;
    case PredicateOp::Gte: return v != nullptr && orderedCompare(*v, p.value, c) && c >= 0;
    case PredicateOp::In:
      if (v == nullptr || !p.value.is_array()) return false;
      for (const auto& candidate : p.value) {
        if (*v == candidate) return true;
      }
      return false;
    case PredicateOp::Contains:
      if (v == nullptr) return false;
      if (v->is_array()) {
        for (const auto& element : *v) {
          if (element == p.value) return true;
        }
        return false;
      }
      if (v->is_string() && p.value.is_string()) {
        return v->get_ref<const std::string&>().find(p.value.get_ref<const std::string&>()) !=
               std::string::npos;
      }
      return false;
  }
  return false;
}

bool matches(const QuerySpec& q, const json& entity) {
  for (const auto& p : q.where) {
    if (!evalPredicate(p, entity)) return false;
  }
  return true;
}

int compareSortValues(const json* a, const json* b) {
  // The common case, two values of one type (a sort key's column), without the rank dispatch;
  // the same answers as below.
  if (a != nullptr && b != nullptr && a->type() == b->type()) {
    switch (a->type()) {
      case json::value_t::number_integer:
        return sign3(*a->get_ptr<const json::number_integer_t*>(), *b->get_ptr<const json::number_integer_t*>());
      case json::value_t::number_unsigned:
        return sign3(*a->get_ptr<const json::number_unsigned_t*>(), *b->get_ptr<const json::number_unsigned_t*>());
      case json::value_t::string: {
        const int c = a->get_ref<const std::string&>().compare(b->get_ref<const std::string&>());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      default: break;
    }
  }
  const int ra = typeRank(a), rb = typeRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 2: return sign3(*a->get_ptr<const bool*>(), *b->get_ptr<const bool*>());
    case 3: return compareNumbers(*a, *b);
    case 4: {
      const int c = a->get_ref<const std::string&>().compare(b->get_ref<const std::string&>());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case 5:
    case 6:
    case 7: return sign3(*a, *b);
    default: return 0;  // missing, null, discarded: one value each
  }
}

int compareEntities(const QuerySpec& q, const json& a, const std::string& idA, const json& b,
                    const std::string& idB) {
  for (const auto& key : q.orderBy) {
    int c = compareSortValues(lookupPath(a, key.path), lookupPath(b, key.path));
    if (c != 0) return key.descending ? -c : c;
  }
  const int c = idA.compare(idB);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace syncore
