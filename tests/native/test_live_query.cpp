#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/json_util.hpp"
#include "store/live_query.hpp"
#include "store/query.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_live_query {

using namespace syncore;

namespace {

using Ids = std::vector<std::string>;

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

bool change(LiveQuery& lq, const std::string& id, const std::string& text) {
  const json entity = J(text);  // dies on return: the query must keep its own copies
  return lq.onChange(id, &entity);
}

// The reference result: filter + sort + window over the whole entity map.
Ids bruteWindow(const QuerySpec& q, const std::map<std::string, json>& entities,
                std::size_t* total = nullptr) {
  std::vector<std::pair<std::string, const json*>> hits;
  for (const auto& kv : entities) {
    if (matches(q, kv.second)) hits.emplace_back(kv.first, &kv.second);
  }
  std::sort(hits.begin(), hits.end(), [&](const auto& a, const auto& b) {
    return compareEntities(q, *a.second, a.first, *b.second, b.first) < 0;
  });
  if (total) *total = hits.size();
  Ids ids;
  for (std::size_t i = q.offset; i < hits.size(); ++i) {
    if (q.limit != 0 && ids.size() == q.limit) break;
    ids.push_back(hits[i].first);
  }
  return ids;
}

const char* kTodoSpec =
    R"({"collection":"todos","where":[["done","eq",false]],"orderBy":["prio","title"]})";

// d (missing prio) < c (prio 1) < a (prio 2); b is done, e has no done field.
LiveQuery seededTodos() {
  LiveQuery lq(Q(kTodoSpec));
  lq.seed("a", J(R"({"done":false,"prio":2,"title":"A"})"));
  lq.seed("b", J(R"({"done":true,"prio":1,"title":"B"})"));
  lq.seed("c", J(R"({"done":false,"prio":1,"title":"C"})"));
  lq.seed("d", J(R"({"done":false,"title":"D"})"));
  lq.seed("e", J(R"({"prio":0,"title":"E"})"));
  return lq;
}

}  // namespace

TEST_CASE("live_query: seeding builds the ordered matching set", "[live_query]") {
  LiveQuery lq = seededTodos();
  CHECK(lq.spec().collection == "todos");
  CHECK(lq.total() == 3);
  CHECK(lq.window() == Ids{"d", "c", "a"});
  CHECK(lq.contains("a"));
  CHECK(lq.contains("c"));
  CHECK(lq.contains("d"));
  CHECK_FALSE(lq.contains("b"));
  CHECK_FALSE(lq.contains("e"));
  CHECK_FALSE(lq.contains("nope"));
}

TEST_CASE("live_query: an empty query is empty", "[live_query]") {
  LiveQuery lq(Q(R"({"collection":"c","limit":3,"offset":1})"));
  CHECK(lq.total() == 0);
  CHECK(lq.window().empty());
  CHECK_FALSE(lq.onChange("x", nullptr));
}

TEST_CASE("live_query: seeding an id twice replaces it", "[live_query]") {
  LiveQuery lq(Q(R"({"collection":"c","orderBy":["n"]})"));
  lq.seed("a", J(R"({"n":5})"));
  lq.seed("b", J(R"({"n":3})"));
  lq.seed("a", J(R"({"n":1})"));
  CHECK(lq.total() == 2);
  CHECK(lq.window() == Ids{"a", "b"});
}

TEST_CASE("live_query: an entity entering the result", "[live_query]") {
  LiveQuery lq = seededTodos();
  CHECK(change(lq, "f", R"({"done":false,"prio":1.5,"title":"F"})"));
  CHECK(lq.window() == Ids{"d", "c", "f", "a"});
  CHECK(lq.total() == 4);
  CHECK(lq.contains("f"));
  // A non-member becoming a member through an update.
  CHECK(change(lq, "b", R"({"done":false,"prio":1,"title":"B"})"));
  CHECK(lq.window() == Ids{"d", "b", "c", "f", "a"});  // prio tie broken by title
}

TEST_CASE("live_query: an entity leaving the result", "[live_query]") {
  LiveQuery lq = seededTodos();
  CHECK(change(lq, "a", R"({"done":true,"prio":2,"title":"A"})"));
  CHECK(lq.window() == Ids{"d", "c"});
  CHECK(lq.total() == 2);
  CHECK_FALSE(lq.contains("a"));
  CHECK(change(lq, "d", R"({"title":"D"})"));  // field disappears: eq on missing is false
  CHECK(lq.window() == Ids{"c"});
}

TEST_CASE("live_query: an entity moving within the order", "[live_query]") {
  LiveQuery lq = seededTodos();
  CHECK(change(lq, "c", R"({"done":false,"prio":10,"title":"C"})"));
  CHECK(lq.window() == Ids{"d", "a", "c"});
  CHECK(change(lq, "d", R"({"done":false,"prio":"high","title":"D"})"));  // strings > numbers
  CHECK(lq.window() == Ids{"a", "c", "d"});
  CHECK(change(lq, "d", R"({"done":false,"prio":null,"title":"D"})"));  // null < numbers
  CHECK(lq.window() == Ids{"d", "a", "c"});
  CHECK(change(lq, "a", R"({"done":false,"prio":10,"title":"B"})"));  // tie with c, title decides
  CHECK(lq.window() == Ids{"d", "a", "c"});
  CHECK(change(lq, "a", R"({"done":false,"prio":10,"title":"Z"})"));
  CHECK(lq.window() == Ids{"d", "c", "a"});
  CHECK(lq.total() == 3);
}

TEST_CASE("live_query: deletion", "[live_query]") {
  LiveQuery lq = seededTodos();
  CHECK(lq.onChange("c", nullptr));
  CHECK(lq.window() == Ids{"d", "a"});
  CHECK_FALSE(lq.contains("c"));
  CHECK_FALSE(lq.onChange("c", nullptr));   // already gone
  CHECK_FALSE(lq.onChange("b", nullptr));   // never a member
  CHECK_FALSE(lq.onChange("zz", nullptr));  // never seen
  CHECK(lq.total() == 2);
  CHECK(change(lq, "c", R"({"done":false,"prio":1,"title":"C"})"));  // re-created
  CHECK(lq.window() == Ids{"d", "c", "a"});
}

TEST_CASE("live_query: updates that do not affect membership", "[live_query]") {
  LiveQuery lq = seededTodos();
  // Non-member stays out: not touched.
  CHECK_FALSE(change(lq, "b", R"({"done":true,"prio":0,"title":"B2"})"));
  CHECK_FALSE(change(lq, "new", R"({"done":"no"})"));
  CHECK(lq.window() == Ids{"d", "c", "a"});
  // Member stays in at the same place: touched (its data changed) but the order is unchanged.
  CHECK(change(lq, "c", R"({"done":false,"prio":1,"title":"C","note":"edited"})"));
  CHECK(change(lq, "c", R"({"done":false,"prio":1.0,"title":"C"})"));  // 1 == 1.0
  CHECK(change(lq, "a", R"({"done":false,"prio":2,"title":"A"})"));    // identical
  CHECK(lq.window() == Ids{"d", "c", "a"});
  CHECK(lq.total() == 3);
}

TEST_CASE("live_query: limit and offset windows follow changes", "[live_query]") {
  LiveQuery lq(Q(R"({"collection":"c","orderBy":["n"],"limit":2,"offset":1})"));
  for (int i = 0; i < 5; ++i) lq.seed("e" + std::to_string(i), json{{"n", i * 10}});
  CHECK(lq.total() == 5);
  CHECK(lq.window() == Ids{"e1", "e2"});
  CHECK(change(lq, "x", R"({"n":5})"));  // lands inside the window and pushes e2 out
  CHECK(lq.window() == Ids{"x", "e1"});
  CHECK(change(lq, "y", R"({"n":-1})"));  // lands before the window, shifting it
  CHECK(lq.window() == Ids{"e0", "x"});
  CHECK(lq.onChange("y", nullptr));
  CHECK(lq.onChange("e0", nullptr));
  CHECK(lq.window() == Ids{"e1", "e2"});
  CHECK(change(lq, "e1", R"({"n":100})"));  // moves to the end
  CHECK(lq.window() == Ids{"e2", "e3"});
  CHECK(lq.total() == 5);
  for (const char* id : {"x", "e2", "e3", "e4"}) CHECK(lq.onChange(id, nullptr));
  CHECK(lq.total() == 1);
  CHECK(lq.window().empty());  // offset 1 is past the only member
}

TEST_CASE("live_query: window edge cases", "[live_query]") {
  auto build = [](const std::string& extra) {
    LiveQuery lq(Q(R"({"collection":"c","orderBy":["n"])" + extra + "}"));
    for (int i = 0; i < 4; ++i) lq.seed(std::string(1, static_cast<char>('a' + i)), json{{"n", i}});
    return lq;
  };
  CHECK(build("").window() == Ids{"a", "b", "c", "d"});
  CHECK(build(R"(,"limit":0)").window() == Ids{"a", "b", "c", "d"});  // 0 = no limit
  CHECK(build(R"(,"limit":1)").window() == Ids{"a"});
  CHECK(build(R"(,"limit":10)").window() == Ids{"a", "b", "c", "d"});
  CHECK(build(R"(,"offset":3)").window() == Ids{"d"});
  CHECK(build(R"(,"offset":4)").window().empty());
  CHECK(build(R"(,"offset":100,"limit":2)").window().empty());
  CHECK(build(R"(,"offset":2,"limit":5)").window() == Ids{"c", "d"});
  // No overflow in offset + limit.
  CHECK(build(R"(,"offset":1,"limit":18446744073709551615)").window() == Ids{"b", "c", "d"});
  CHECK(build(R"(,"offset":18446744073709551615,"limit":1)").window().empty());
  CHECK(build(R"(,"offset":1,"limit":2)").total() == 4);  // total ignores the window
}

TEST_CASE("live_query: descending order, missing values and the id tie-break", "[live_query]") {
  LiveQuery lq(Q(R"({"collection":"c","orderBy":[["n","desc"]]})"));
  lq.seed("b", J(R"({"n":1})"));
  lq.seed("a", J(R"({"n":1})"));
  lq.seed("m", J(R"({})"));
  lq.seed("z", J(R"({"n":null})"));
  lq.seed("c", J(R"({"n":3})"));
  lq.seed("s", J(R"({"n":"str"})"));
  // desc: string > numbers > null > missing; equal values keep id ascending.
  CHECK(lq.window() == Ids{"s", "c", "a", "b", "z", "m"});
  CHECK(change(lq, "m", R"({"n":1.0})"));
  CHECK(lq.window() == Ids{"s", "c", "a", "b", "m", "z"});
}

TEST_CASE("live_query: nested and indexed sort fields", "[live_query]") {
  LiveQuery lq(Q(R"({"collection":"c","where":[["tags","contains","t"]],
                     "orderBy":[["meta.rank","asc"],["tags.0","desc"]]})"));
  lq.seed("a", J(R"({"meta":{"rank":2},"tags":["t"]})"));
  lq.seed("b", J(R"({"meta":{"rank":1},"tags":["t"]})"));
  lq.seed("c", J(R"({"meta":{"rank":1},"tags":["u","t"]})"));
  lq.seed("d", J(R"({"meta":{"rank":0},"tags":["u"]})"));
  CHECK(lq.window() == Ids{"c", "b", "a"});
  CHECK(change(lq, "c", R"({"meta":{"rank":1},"tags":["a","t"]})"));
  CHECK(lq.window() == Ids{"b", "c", "a"});
  CHECK(change(lq, "c", R"({"meta":{"rank":1},"tags":["a"]})"));  // no longer contains "t"
  CHECK(lq.window() == Ids{"b", "a"});
}

TEST_CASE("live_query: clear empties the result and allows re-seeding", "[live_query]") {
  LiveQuery lq = seededTodos();
  lq.clear();
  CHECK(lq.total() == 0);
  CHECK(lq.window().empty());
  CHECK_FALSE(lq.contains("a"));
  CHECK_FALSE(lq.onChange("a", nullptr));
  lq.seed("a", J(R"({"done":false,"prio":2})"));
  CHECK(lq.window() == Ids{"a"});
}

TEST_CASE("live_query: a moved query keeps working", "[live_query]") {
  LiveQuery original = seededTodos();
  LiveQuery moved(std::move(original));
  CHECK(moved.window() == Ids{"d", "c", "a"});
  CHECK(moved.onChange("c", nullptr));
  CHECK(change(moved, "a", R"({"done":false,"prio":0})"));
  CHECK(moved.window() == Ids{"d", "a"});
  LiveQuery assigned(Q(R"({"collection":"other"})"));
  assigned = std::move(moved);
  CHECK(assigned.spec().collection == "todos");
  CHECK(assigned.onChange("d", nullptr));
  CHECK(assigned.window() == Ids{"a"});
}

TEST_CASE("live_query: randomized cross-check against filter and sort", "[live_query]") {
  const std::vector<std::string> specs = {
      R"({"collection":"c","where":[["done","eq",false]],"orderBy":["prio"]})",
      R"({"collection":"c","where":[["prio","gte",2]],"orderBy":[["prio","desc"],"title"],
          "limit":5,"offset":2})",
      R"({"collection":"c","orderBy":[["meta.score","desc"],["tags.0","asc"]],"limit":7})",
      R"({"collection":"c","where":[["tags","contains","red"],["title","ne","b"]],"offset":3})",
      R"({"collection":"c","where":[["title","in",["a","b","c",null]]],"orderBy":["v"]})",
      R"({"collection":"c","where":[["title","contains","a"],["meta.score","lt",50]],
          "orderBy":[["v","desc"],["meta.score","asc"]],"limit":4,"offset":1})",
      R"({"collection":"c"})",
  };
  std::mt19937 rng(20240611u);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> titles = {"a", "b", "c", "ab", "ba", "cab", "xyz"};
  const std::vector<std::string> colors = {"red", "green", "blue"};
  auto randomScalar = [&]() -> json {
    switch (pick(8)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return pick(5);
      case 3: return pick(5) - 2;
      case 4: return pick(5) + 0.5;
      case 5: return titles[static_cast<std::size_t>(pick(7))];
      case 6: return json::array({pick(3), pick(3)});
      default: return json{{"k", pick(3)}};
    }
  };
  auto randomEntity = [&]() {
    json e = json::object();
    if (pick(5) != 0) e["done"] = pick(2) == 0;
    if (pick(4) != 0) e["prio"] = pick(3) == 0 ? json(pick(5) + 0.25) : json(pick(5));
    if (pick(5) != 0) e["title"] = pick(6) == 0 ? json(nullptr) : json(titles[static_cast<std::size_t>(pick(7))]);
    if (pick(4) != 0) e["meta"] = json{{"score", pick(100)}};
    json tags = json::array();
    for (int i = pick(4); i > 0; --i) tags.push_back(colors[static_cast<std::size_t>(pick(3))]);
    e["tags"] = tags;
    if (pick(5) != 0) e["v"] = randomScalar();
    return e;
  };

  for (const auto& specText : specs) {
    INFO(specText);
    const QuerySpec spec = Q(specText);
    std::map<std::string, json> entities;
    for (int i = 0; i < 20; ++i) entities["e" + std::to_string(pick(40))] = randomEntity();
    LiveQuery lq(spec);
    for (const auto& kv : entities) lq.seed(kv.first, kv.second);

    std::size_t touchedCount = 0;
    for (int step = 0; step < 3000; ++step) {
      INFO("step " << step);
      const std::string id = "e" + std::to_string(pick(40));
      auto it = entities.find(id);
      const bool before = it != entities.end() && matches(spec, it->second);
      REQUIRE(lq.contains(id) == before);
      bool after = false;
      bool touched = false;
      const int action = pick(20);
      if (action < 5) {  // delete
        if (it != entities.end()) entities.erase(it);
        touched = lq.onChange(id, nullptr);
      } else if (action < 9 && it != entities.end()) {  // tweak one field in place
        json& e = it->second;
        switch (pick(4)) {
          case 0: e["prio"] = pick(5); break;
          case 1: e["done"] = pick(2) == 0; break;
          case 2: e["meta"] = json{{"score", pick(100)}}; break;
          default: e["v"] = randomScalar(); break;
        }
        after = matches(spec, e);
        touched = lq.onChange(id, &e);
      } else {  // insert or replace
        json e = randomEntity();
        after = matches(spec, e);
        touched = lq.onChange(id, &e);
        entities[id] = std::move(e);
      }
      REQUIRE(touched == (before || after));
      if (touched) ++touchedCount;
      REQUIRE(lq.contains(id) == after);

      std::size_t total = 0;
      const Ids expected = bruteWindow(spec, entities, &total);
      REQUIRE(lq.window() == expected);
      REQUIRE(lq.total() == total);

      if (step % 500 == 499) {  // a full re-evaluation must agree with the incremental state
        LiveQuery fresh(spec);
        for (const auto& kv : entities) fresh.seed(kv.first, kv.second);
        REQUIRE(fresh.window() == lq.window());
        for (int i = 0; i < 40; ++i) {
          const std::string any = "e" + std::to_string(i);
          REQUIRE(fresh.contains(any) == lq.contains(any));
        }
        lq.clear();
        for (const auto& kv : entities) lq.seed(kv.first, kv.second);
        REQUIRE(lq.window() == expected);
      }
    }
    CHECK(touchedCount > 0);
  }
}
}  // namespace test_live_query
