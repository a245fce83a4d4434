#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "base/json_util.hpp"
#include "store/query.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_query {

using namespace syncore;

namespace {

json J(const std::string& text) {
  json out;
  Status st = parseJson(text, out);
  INFO(text << " -> " << st.message);
  REQUIRE(st.isOk());
  return out;
}

QuerySpec Q(const std::string& text) {
  QuerySpec q;
  Status st = parseQuerySpec(J(text), q);
  INFO(text << " -> " << st.message);
  REQUIRE(st.isOk());
  return q;
}

// A query with a single predicate, for the op-by-op tests.
QuerySpec where1(const std::string& field, const std::string& op, const std::string& value) {
  return Q(R"({"collection":"c","where":[[")" + field + R"(",")" + op + R"(",)" + value + "]]}");
}

bool m(const std::string& field, const std::string& op, const std::string& value,
       const std::string& entity) {
  return matches(where1(field, op, value), J(entity));
}

Status parseText(const std::string& text) {
  QuerySpec q;
  return parseQuerySpec(J(text), q);
}

}  // namespace

TEST_CASE("query: eq and ne on top-level, nested and indexed fields", "[query]") {
  const std::string e = R"({"id":"a","done":false,"n":3,"meta":{"owner":{"name":"ann"}},
                            "tags":["x","y"],"obj":{"k":[1,2]}})";
  CHECK(m("done", "eq", "false", e));
  CHECK_FALSE(m("done", "eq", "true", e));
  CHECK(m("done", "ne", "true", e));
  CHECK_FALSE(m("done", "ne", "false", e));
  CHECK(m("meta.owner.name", "eq", R"("ann")", e));
  CHECK_FALSE(m("meta.owner.name", "eq", R"("bob")", e));
  CHECK(m("tags.0", "eq", R"("x")", e));
  CHECK(m("tags.1", "eq", R"("y")", e));
  CHECK(m("obj.k.1", "eq", "2", e));
  CHECK(m("obj", "eq", R"({"k":[1,2]})", e));      // structural equality
  CHECK(m("tags", "eq", R"(["x","y"])", e));
  CHECK_FALSE(m("tags", "eq", R"(["y","x"])", e));
  CHECK(m("n", "eq", "3.0", e));                    // 3 == 3.0
  CHECK_FALSE(m("n", "ne", "3.0", e));
  CHECK_FALSE(m("n", "eq", R"("3")", e));          // no string/number coercion
  CHECK(m("n", "ne", R"("3")", e));
  CHECK(m("meta", "eq", R"({"owner":{"name":"ann"}})", e));
}

TEST_CASE("query: missing fields", "[query]") {
  const std::string e = R"({"a":{"b":1},"arr":[10],"s":"str","nul":null})";
  for (const char* field : {"zz", "a.c", "a.b.c", "arr.1", "arr.x", "arr.-1", "s.0", "nul.x"}) {
    INFO(field);
    CHECK_FALSE(m(field, "eq", "1", e));
    CHECK_FALSE(m(field, "eq", "null", e));  // missing is not null
    CHECK(m(field, "ne", "1", e));
    CHECK(m(field, "ne", "null", e));
    for (const char* op : {"lt", "lte", "gt", "gte"}) CHECK_FALSE(m(field, op, "1", e));
    CHECK_FALSE(m(field, "in", "[1, null]", e));
    CHECK_FALSE(m(field, "contains", "1", e));
  }
  CHECK(m("nul", "eq", "null", e));  // an explicit null is a value
  CHECK_FALSE(m("nul", "ne", "null", e));
  CHECK(m("nul", "in", "[null]", e));
}

TEST_CASE("query: ordered comparisons on numbers", "[query]") {
  const std::string e = R"({"n":5,"f":2.5,"neg":-3,"deep":{"v":[0,7]}})";
  CHECK(m("n", "lt", "6", e));
  CHECK_FALSE(m("n", "lt", "5", e));
  CHECK(m("n", "lte", "5", e));
  CHECK(m("n", "lte", "5.0", e));
  CHECK_FALSE(m("n", "lte", "4.99", e));
  CHECK(m("n", "gt", "4.5", e));
  CHECK_FALSE(m("n", "gt", "5", e));
  CHECK(m("n", "gte", "5", e));
  CHECK_FALSE(m("n", "gte", "6", e));
  CHECK(m("f", "gt", "2", e));
  CHECK(m("f", "lt", "3", e));
  CHECK(m("neg", "lt", "0", e));           // signed vs unsigned literal
  CHECK(m("neg", "lt", "18446744073709551615", e));
  CHECK(m("neg", "gt", "-3.5", e));
  CHECK(m("deep.v.1", "gte", "7", e));
  CHECK(m("deep.v.0", "lte", "-0.0", e));
}

TEST_CASE("query: number comparisons are exact beyond double precision", "[query]") {
  // 2^53 + 1 is not representable as a double; a naive cast would call these equal.
  const std::string e = R"({"big":9007199254740993,"huge":18446744073709551615,"min":-9223372036854775808})";
  CHECK(m("big", "gt", "9007199254740992.0", e));
  CHECK(m("big", "gt", "9007199254740992", e));
  CHECK_FALSE(m("big", "lte", "9007199254740992.0", e));
  CHECK(m("huge", "gt", "9223372036854775807", e));
  CHECK(m("huge", "lt", "1e20", e));
  CHECK(m("huge", "gt", "1.8e19", e));
  CHECK(m("min", "lt", "-9223372036854775807", e));
  CHECK(m("min", "gte", "-9223372036854775808.0", e));
  CHECK(m("min", "gt", "-1e19", e));
  CHECK(m("min", "lt", "0.5", e));
}

TEST_CASE("query: ordered comparisons on strings are bytewise", "[query]") {
  const std::string e = R"({"s":"banana","u":"é","cap":"Zed"})";
  CHECK(m("s", "gt", R"("apple")", e));
  CHECK(m("s", "lt", R"("bananas")", e));  // prefix sorts first
  CHECK(m("s", "gte", R"("banana")", e));
  CHECK(m("s", "lte", R"("banana")", e));
  CHECK_FALSE(m("s", "lt", R"("banana")", e));
  CHECK(m("cap", "lt", R"("apple")", e));  // 'Z' (0x5A) < 'a' (0x61)
  CHECK(m("u", "gt", R"("z")", e));        // 0xC3 as unsigned byte, not negative char
  CHECK(m("s", "gt", R"("")", e));
}

TEST_CASE("query: ordered comparisons across types are false", "[query]") {
  const std::string e = R"({"n":5,"s":"5","b":true,"z":null,"a":[1],"o":{"x":1}})";
  for (const char* op : {"lt", "lte", "gt", "gte"}) {
    INFO(op);
    CHECK_FALSE(m("n", op, R"("5")", e));
    CHECK_FALSE(m("s", op, "5", e));
    CHECK_FALSE(m("b", op, "false", e));
    CHECK_FALSE(m("b", op, "1", e));
    CHECK_FALSE(m("z", op, "null", e));
    CHECK_FALSE(m("z", op, "0", e));
    CHECK_FALSE(m("a", op, "[1]", e));
    CHECK_FALSE(m("o", op, R"({"x":1})", e));
    CHECK_FALSE(m("n", op, "null", e));
  }
}

TEST_CASE("query: NaN never satisfies an ordered comparison", "[query]") {
  QuerySpec q = where1("n", "lt", "1");
  json e = json::object();
  e["n"] = std::nan("");
  CHECK_FALSE(matches(q, e));
  q.where[0].op = PredicateOp::Gte;
  CHECK_FALSE(matches(q, e));
  e["n"] = 0;
  q.where[0].op = PredicateOp::Lt;
  q.where[0].value = std::nan("");
  CHECK_FALSE(matches(q, e));
}

TEST_CASE("query: in", "[query]") {
  const std::string e = R"({"s":"b","n":2,"z":null,"arr":[1,2],"o":{"k":1}})";
  CHECK(m("s", "in", R"(["a","b"])", e));
  CHECK_FALSE(m("s", "in", R"(["a","c"])", e));
  CHECK_FALSE(m("s", "in", "[]", e));
  CHECK(m("n", "in", "[1, 2.0]", e));
  CHECK_FALSE(m("n", "in", R"(["2"])", e));
  CHECK(m("z", "in", "[null]", e));
  CHECK(m("arr", "in", "[[1,2],[3]]", e));  // whole-value equality, not membership
  CHECK_FALSE(m("arr", "in", "[1,2]", e));
  CHECK(m("o", "in", R"([{"k":1}])", e));
  CHECK(m("arr.0", "in", "[1]", e));
}

TEST_CASE("query: contains", "[query]") {
  const std::string e = R"({"tags":["red","blue",3,{"k":1},[1]],"title":"hello world","n":12,
                            "meta":{"list":[true]},"empty":[]})";
  CHECK(m("tags", "contains", R"("red")", e));
  CHECK_FALSE(m("tags", "contains", R"("green")", e));
  CHECK(m("tags", "contains", "3.0", e));
  CHECK(m("tags", "contains", R"({"k":1})", e));
  CHECK(m("tags", "contains", "[1]", e));
  CHECK_FALSE(m("tags", "contains", R"("re")", e));  // element equality, not substring
  CHECK(m("meta.list", "contains", "true", e));
  CHECK_FALSE(m("empty", "contains", "null", e));
  CHECK(m("title", "contains", R"("lo wo")", e));
  CHECK(m("title", "contains", R"("")", e));
  CHECK(m("title", "contains", R"("hello world")", e));
  CHECK_FALSE(m("title", "contains", R"("World")", e));
  CHECK_FALSE(m("title", "contains", "1", e));    // string field, non-string value
  CHECK_FALSE(m("n", "contains", "1", e));        // neither array nor string
  CHECK_FALSE(m("n", "contains", R"("1")", e));
  CHECK_FALSE(m("meta", "contains", "[true]", e));  // objects do not contain
}

TEST_CASE("query: where clauses are ANDed and an empty where matches all", "[query]") {
  QuerySpec all = Q(R"({"collection":"c"})");
  CHECK(matches(all, J("{}")));
  CHECK(matches(all, J("[1]")));
  QuerySpec q = Q(R"({"collection":"c","where":[["a","eq",1],{"field":"b","op":"gt","value":2}]})");
  CHECK(matches(q, J(R"({"a":1,"b":3})")));
  CHECK_FALSE(matches(q, J(R"({"a":1,"b":2})")));
  CHECK_FALSE(matches(q, J(R"({"a":2,"b":3})")));
  CHECK_FALSE(matches(q, J(R"({"b":3})")));
}

TEST_CASE("query: parse accepts every spec form", "[query]") {
  QuerySpec q = Q(R"({"collection":"todos",
    "where":[{"field":"done","op":"eq","value":false}, ["meta.priority","gte",2],
             ["tags","contains","x"], ["s","in",["a"]], ["a","ne",null], ["a","lt",1],
             ["a","lte",1], ["a","gt",1]],
    "orderBy":[{"field":"title","dir":"asc"}, ["score","desc"], "name", {"field":"x.y"},
               {"field":"d","dir":"desc"}, ["e","asc"], {"field":"n","dir":null}],
    "limit":10, "offset":3, "extra":{"ignored":true}})");
  CHECK(q.collection == "todos");
  REQUIRE(q.where.size() == 8);
  CHECK(q.where[0].field == "done");
  CHECK(q.where[0].path == FieldPath{"done"});
  CHECK(q.where[0].op == PredicateOp::Eq);
  CHECK(q.where[0].value == json(false));
  CHECK(q.where[1].field == "meta.priority");
  CHECK(q.where[1].path == FieldPath{"meta", "priority"});
  CHECK(q.where[1].op == PredicateOp::Gte);
  CHECK(q.where[1].value == json(2));
  CHECK(q.where[2].op == PredicateOp::Contains);
  CHECK(q.where[3].op == PredicateOp::In);
  CHECK(q.where[3].value == J(R"(["a"])"));
  CHECK(q.where[4].op == PredicateOp::Ne);
  CHECK(q.where[4].value.is_null());
  CHECK(q.where[5].op == PredicateOp::Lt);
  CHECK(q.where[6].op == PredicateOp::Lte);
  CHECK(q.where[7].op == PredicateOp::Gt);
  REQUIRE(q.orderBy.size() == 7);
  CHECK(q.orderBy[0].field == "title");
  CHECK_FALSE(q.orderBy[0].descending);
  CHECK(q.orderBy[1].field == "score");
  CHECK(q.orderBy[1].descending);
  CHECK(q.orderBy[2].field == "name");
  CHECK_FALSE(q.orderBy[2].descending);
  CHECK(q.orderBy[3].path == FieldPath{"x", "y"});
  CHECK_FALSE(q.orderBy[3].descending);
  CHECK(q.orderBy[4].descending);
  CHECK_FALSE(q.orderBy[5].descending);
  CHECK_FALSE(q.orderBy[6].descending);
  CHECK(q.limit == 10);
  CHECK(q.offset == 3);

  QuerySpec minimal = Q(R"({"collection":"c"})");
  CHECK(minimal.where.empty());
  CHECK(minimal.orderBy.empty());
  CHECK(minimal.limit == 0);
  CHECK(minimal.offset == 0);

  QuerySpec nulls = Q(R"({"collection":"c","where":null,"orderBy":null,"limit":null,"offset":null})");
  CHECK(nulls.where.empty());
  CHECK(nulls.limit == 0);

  QuerySpec empties = Q(R"({"collection":"c","where":[],"orderBy":[],"limit":0,"offset":0})");
  CHECK(empties.where.empty());
  CHECK(empties.orderBy.empty());
}

TEST_CASE("query: limit and offset parsing", "[query]") {
  json spec = J(R"({"collection":"c"})");
  QuerySpec q;
  spec["limit"] = 5;  // built in code: a signed integer, not the parser's unsigned
  spec["offset"] = std::int64_t{7};
  REQUIRE(parseQuerySpec(spec, q).isOk());
  CHECK(q.limit == 5);
  CHECK(q.offset == 7);
  // Values beyond size_t (wasm32) clamp instead of wrapping.
  q = Q(R"({"collection":"c","limit":18446744073709551615,"offset":9223372036854775807})");
  CHECK(q.limit == std::numeric_limits<std::size_t>::max());
  CHECK(q.offset == std::min<std::uint64_t>(9223372036854775807ull,
                                            std::numeric_limits<std::size_t>::max()));
}

TEST_CASE("query: parse leaves out untouched on failure", "[query]") {
  QuerySpec q = Q(R"({"collection":"keep","limit":4})");
  Status st = parseQuerySpec(J(R"({"collection":"c","limit":-1})"), q);
  CHECK(st.code == ErrorCode::BadQuery);
  CHECK(q.collection == "keep");
  CHECK(q.limit == 4);
}

TEST_CASE("query: every malformed spec is BadQuery with a useful message", "[query]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([])", "must be an object"},
      {R"("todos")", "must be an object"},
      {R"(null)", "must be an object"},
      {R"({})", "collection is required"},
      {R"({"collection":""})", "collection must not be empty"},
      {R"({"collection":5})", "collection must be a string"},
      {R"({"collection":null})", "collection must be a string"},
      {R"({"collection":"c","where":{}})", "where must be an array"},
      {R"({"collection":"c","where":"a"})", "where must be an array"},
      {R"({"collection":"c","where":[5]})", "where[0]: must be an object"},
      {R"({"collection":"c","where":[null]})", "where[0]: must be an object"},
      {R"({"collection":"c","where":[["a","eq",1],"a"]})", "where[1]: must be an object"},
      {R"({"collection":"c","where":[["a","eq"]]})", "where[0]: must have 3 elements"},
      {R"({"collection":"c","where":[["a","eq",1,2]]})", "where[0]: must have 3 elements"},
      {R"({"collection":"c","where":[{"op":"eq","value":1}]})", "where[0]: missing 'field'"},
      {R"({"collection":"c","where":[{"field":"a","value":1}]})", "where[0]: missing 'op'"},
      {R"({"collection":"c","where":[{"field":"a","op":"eq"}]})", "where[0]: missing 'value'"},
      {R"({"collection":"c","where":[["","eq",1]]})", "where[0]: field must not be empty"},
      {R"({"collection":"c","where":[[1,"eq",1]]})", "where[0]: field must be a string"},
      {R"({"collection":"c","where":[[null,"eq",1]]})", "where[0]: field must be a string"},
      {R"({"collection":"c","where":[["a..b","eq",1]]})", "empty path segment"},
      {R"({"collection":"c","where":[[".a","eq",1]]})", "empty path segment"},
      {R"({"collection":"c","where":[["a.","eq",1]]})", "empty path segment"},
      {R"({"collection":"c","where":[["a","like",1]]})", "where[0]: unknown op 'like'"},
      {R"({"collection":"c","where":[["a","EQ",1]]})", "unknown op 'EQ'"},
      {R"({"collection":"c","where":[["a","==",1]]})", "unknown op '=='"},
      {R"({"collection":"c","where":[["a",1,1]]})", "where[0]: op must be a string"},
      {R"({"collection":"c","where":[["a","in",1]]})", "value of 'in' must be an array"},
      {R"({"collection":"c","where":[["a","in","ab"]]})", "value of 'in' must be an array"},
      {R"({"collection":"c","where":[{"field":"a","op":"in","value":null}]})",
       "value of 'in' must be an array"},
      {R"({"collection":"c","orderBy":"a"})", "orderBy must be an array"},
      {R"({"collection":"c","orderBy":{"field":"a"}})", "orderBy must be an array"},
      {R"({"collection":"c","orderBy":[1]})", "orderBy[0]: must be a field string"},
      {R"({"collection":"c","orderBy":["a",""]})", "orderBy[1]: field must not be empty"},
      {R"({"collection":"c","orderBy":["a..b"]})", "empty path segment"},
      {R"({"collection":"c","orderBy":[{"dir":"asc"}]})", "orderBy[0]: missing 'field'"},
      {R"({"collection":"c","orderBy":[{"field":3}]})", "orderBy[0]: field must be a string"},
      {R"({"collection":"c","orderBy":[{"field":"a","dir":"up"}]})", "orderBy[0]: dir must be"},
      {R"({"collection":"c","orderBy":[{"field":"a","dir":"DESC"}]})", "dir must be"},
      {R"({"collection":"c","orderBy":[{"field":"a","dir":1}]})", "dir must be"},
      {R"({"collection":"c","orderBy":[["a"]]})", "orderBy[0]: must have 2 elements"},
      {R"({"collection":"c","orderBy":[["a","asc","x"]]})", "must have 2 elements"},
      {R"({"collection":"c","orderBy":[["a","sideways"]]})", "dir must be"},
      {R"({"collection":"c","orderBy":[[1,"asc"]]})", "field must be a string"},
      {R"({"collection":"c","limit":-1})", "limit must not be negative"},
      {R"({"collection":"c","offset":-5})", "offset must not be negative"},
      {R"({"collection":"c","limit":2.5})", "limit must be a non-negative integer"},
      {R"({"collection":"c","limit":10.0})", "limit must be a non-negative integer"},
      {R"({"collection":"c","limit":"10"})", "limit must be a non-negative integer"},
      {R"({"collection":"c","offset":true})", "offset must be a non-negative integer"},
      {R"({"collection":"c","offset":[]})", "offset must be a non-negative integer"},
  };
  for (const auto& c : cases) {
    Status st = parseText(c.first);
    INFO(c.first << " -> " << st.message);
    CHECK(st.code == ErrorCode::BadQuery);
    CHECK(st.message.find(c.second) != std::string::npos);
  }
}

TEST_CASE("query: op names round-trip", "[query]") {
  for (PredicateOp op : {PredicateOp::Eq, PredicateOp::Ne, PredicateOp::Lt, PredicateOp::Lte,
                         PredicateOp::Gt, PredicateOp::Gte, PredicateOp::In,
                         PredicateOp::Contains}) {
    const std::string name = predicateOpName(op);
    const std::string value = op == PredicateOp::In ? "[]" : "1";
    QuerySpec q = where1("a", name, value);
    CHECK(q.where[0].op == op);
  }
}

TEST_CASE("query: sort order across types", "[query]") {
  // Ascending by rank: missing < null < false < true < numbers < strings < arrays < objects.
  const std::vector<json> ordered = {
      json(nullptr),       json(false),        json(true),         J("-1e300"),
      J("-5"),             J("-0.5"),          J("0"),             J("1"),
      J("1.5"),            J("2"),             J("9007199254740993"), J("18446744073709551615"),
      J("1e300"),          J(R"("")"),         J(R"("A")"),        J(R"("a")"),
      J(R"("ab")"),        J(R"("é")"),        J("[]"),            J("[1]"),
      J("[1,2]"),          J("[2]"),           J("{}"),            J(R"({"a":1})"),
      J(R"({"b":0})"),
  };
  CHECK(compareSortValues(nullptr, nullptr) == 0);
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    INFO(i << ": " << dumpJson(ordered[i]));
    CHECK(compareSortValues(nullptr, &ordered[i]) == -1);
    CHECK(compareSortValues(&ordered[i], nullptr) == 1);
    CHECK(compareSortValues(&ordered[i], &ordered[i]) == 0);
    for (std::size_t j = i + 1; j < ordered.size(); ++j) {
      INFO(j << ": " << dumpJson(ordered[j]));
      CHECK(compareSortValues(&ordered[i], &ordered[j]) == -1);
      CHECK(compareSortValues(&ordered[j], &ordered[i]) == 1);
    }
  }
  const json one = J("1"), oneF = J("1.0"), negOne = J("-1");
  json oneSigned = 1;
  CHECK(compareSortValues(&one, &oneF) == 0);
  CHECK(compareSortValues(&one, &oneSigned) == 0);
  CHECK(compareSortValues(&negOne, &one) == -1);
  json nan = std::nan("");
  CHECK(compareSortValues(&nan, &nan) == 0);  // total order even for NaN
  CHECK(compareSortValues(&nan, &negOne) == -1);
  CHECK(compareSortValues(&one, &nan) == 1);
}

TEST_CASE("query: compareEntities uses orderBy then id", "[query]") {
  QuerySpec q = Q(R"({"collection":"c","orderBy":["g",["n","desc"]]})");
  const json a = J(R"({"g":1,"n":5})");
  const json b = J(R"({"g":1,"n":7})");
  const json c = J(R"({"g":2,"n":9})");
  const json missing = J(R"({"n":100})");
  CHECK(compareEntities(q, a, "a", c, "c") == -1);     // first key decides
  CHECK(compareEntities(q, c, "c", a, "a") == 1);
  CHECK(compareEntities(q, b, "b", a, "a") == -1);     // second key, descending
  CHECK(compareEntities(q, a, "a", b, "b") == 1);
  CHECK(compareEntities(q, missing, "m", a, "a") == -1);  // missing sorts first ascending
  CHECK(compareEntities(q, a, "x", a, "y") == -1);     // tie: id ascending
  CHECK(compareEntities(q, a, "y", a, "x") == 1);
  CHECK(compareEntities(q, a, "x", a, "x") == 0);

  QuerySpec desc = Q(R"({"collection":"c","orderBy":[["n","desc"]]})");
  CHECK(compareEntities(desc, a, "y", a, "x") == 1);   // desc never flips the id tie-break
  CHECK(compareEntities(desc, missing, "m", J("{}"), "z") == -1);
  CHECK(compareEntities(desc, J("{}"), "m", a, "a") == 1);  // missing sorts last descending

  QuerySpec none = Q(R"({"collection":"c"})");
  CHECK(compareEntities(none, c, "a", a, "b") == -1);  // only ids
  CHECK(compareEntities(none, a, "ab", a, "b") == -1);  // bytewise id order
}

TEST_CASE("query: sorting a set with several keys, nested paths and array indices", "[query]") {
  QuerySpec q = Q(R"({"collection":"c",
    "orderBy":[{"field":"meta.prio","dir":"desc"},{"field":"tags.0"},["score","desc"]]})");
  std::vector<std::pair<std::string, json>> items = {
      {"e1", J(R"({"meta":{"prio":1},"tags":["b"],"score":1})")},
      {"e2", J(R"({"meta":{"prio":2},"tags":["z"],"score":1})")},
      {"e3", J(R"({"meta":{"prio":1},"tags":["a"],"score":1})")},
      {"e4", J(R"({"meta":{"prio":1},"tags":["b"],"score":3})")},
      {"e5", J(R"({"meta":{"prio":1},"tags":[],"score":0})")},
      {"e6", J(R"({"tags":["a"]})")},
      {"e7", J(R"({"meta":{"prio":1},"tags":["b"],"score":1})")},
  };
  std::sort(items.begin(), items.end(), [&](const auto& x, const auto& y) {
    return compareEntities(q, x.second, x.first, y.second, y.first) < 0;
  });
  std::vector<std::string> ids;
  for (const auto& it : items) ids.push_back(it.first);
  CHECK(ids == std::vector<std::string>{"e2", "e5", "e3", "e4", "e1", "e7", "e6"});
}
}  // namespace test_query
