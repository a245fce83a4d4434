// A hydrate keeps the data text of entity records the core wrote itself (W5): the stored-form
// restore (wasm/stored_restore.cpp) marks them `"canonical":true`, SyncCore::restoreAdd cuts the
// data text out of the record as it is, and Collection::upsert keeps it instead of writing the
// text again from the parsed tree.
#include <random>

#include "store/collection.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_restore_canonical {

using namespace synctest;
using syncore::Collection;
using syncore::CollectionOptions;
using syncore::EntityRef;

namespace {

// The record line wasm/stored_restore.cpp builds for a stored entity record the core wrote.
std::string canonicalLine(const std::string& id, const std::string& valueText) {
  return R"({"store":"entities","key":["todos",")" + id + R"("],"canonical":true,"value":)" + valueText + "}";
}

// A fresh core with a "todos" collection, the lines restored into it; c: the finish's commit.
void restoreLines(SyncCore& again, const std::vector<std::string>& lines, Commit& c) {
  REQUIRE(again.defineCollection("todos", json::object()).isOk());
  REQUIRE(again.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}}).isOk());
  REQUIRE(again.restoreBegin().isOk());
  for (const std::string& line : lines) REQUIRE(again.restoreAdd(line).isOk());
  REQUIRE(again.restoreFinish(false, c).isOk());
}

json restoredGet(const std::vector<std::string>& lines, const std::string& id) {
  SyncCore again;
  Commit c;
  restoreLines(again, lines, c);
  EntityRef e;
  REQUIRE(again.get("todos", id, e).isOk());
  return e == nullptr ? json(nullptr) : *e;
}

// A restored core's view of the line set: every entity as read back, the stats, a query on a
// field the collection indexes, and the events of the finish (refusals).
struct Restored {
  json stats, events, queryIds;
  std::vector<std::string> texts;
};

Restored restoreAll(const std::vector<std::string>& lines, const std::vector<std::string>& ids) {
  SyncCore again;
  Commit c;
  restoreLines(again, lines, c);
  Restored out;
  out.stats = again.stats();
  out.events = json::array();
  for (const json& e : syncore::commitToJson(c)["events"]) out.events.push_back(e);
  syncore::QueryUpdate q;
  REQUIRE(again.openQuery(json::parse(R"({"collection":"todos","where":[["n","gt",3]],"orderBy":["n","id"]})"), q).isOk());
  out.queryIds = q.ids;
  for (const std::string& id : ids) {
    EntityRef e;
    REQUIRE(again.get("todos", id, e).isOk());
    out.texts.push_back(e == nullptr ? "" : syncore::dumpJson(*e));
  }
  return out;
}

// The same record without the canonical mark: restored from its parsed tree (the reference).
std::string plainLine(const std::string& id, const std::string& valueText) {
  return R"({"store":"entities","key":["todos",")" + id + R"("],"value":)" + valueText + "}";
}

json nested(int depth) {
  json v = 1;
  for (int i = 1; i < depth; ++i) v = json{{"d", v}};
  return json{{"id", "deep"}, {"n", 5}, {"x", v}};
}

}  // namespace

TEST_CASE("restore: a canonical record read as text only restores what its parsed tree restores") {
  // Random data: escapes, non-ASCII, nested objects and arrays, numbers of every kind (an
  // exponent or a long one sends the whole record to the tree), keys that need escapes (the same).
  std::mt19937 rng(11);
  const std::vector<json> values = {json("plain"), json("a \"quoted\" \\ line\nnext\t"), json("日本 😀 ü"),
                                    json(std::string("ctl\x01")), json(-0.5), json(1e300), json(12345678901234567890ull),
                                    json(-42), json(true), json(nullptr), json::array({1, "x", json::object()}),
                                    json{{"k", {{"deep", {1, 2}}}}}, json(3.25), json(0)};
  for (int seed = 0; seed < 40; ++seed) {
    std::vector<std::string> canonicalLines, plainLines, ids;
    for (int i = 0; i < 12; ++i) {
      const std::string id = "e" + std::to_string(seed) + "_" + std::to_string(i);
      json data = {{"id", id}, {"n", static_cast<int>(rng() % 10)}};
      const int fields = static_cast<int>(rng() % 5);
      for (int f = 0; f < fields; ++f) {
        std::string key = "f" + std::to_string(rng() % 7);
        if (rng() % 9 == 0) key += "\"q";  // a key with an escape: left to the tree
        data[key] = values[rng() % values.size()];
      }
      const bool deleted = rng() % 8 == 0;
      const std::string value = syncore::dumpJson(json{{"data", deleted ? json(nullptr) : data}, {"deleted", deleted}, {"version", 1 + i}});
      canonicalLines.push_back(canonicalLine(id, value));
      plainLines.push_back(plainLine(id, value));
      ids.push_back(id);
    }
    const Restored text = restoreAll(canonicalLines, ids), tree = restoreAll(plainLines, ids);
    INFO("seed " << seed);
    CHECK(text.texts == tree.texts);
    CHECK(text.stats == tree.stats);
    CHECK(text.queryIds == tree.queryIds);
    CHECK(text.events == tree.events);
  }
}

TEST_CASE("restore: a canonical record's data past the depth limit, or not JSON, is refused as the full parse refuses it") {
  const auto value = [](const std::string& dataText) { return R"({"data":)" + dataText + R"(,"deleted":false,"version":1})"; };
  const std::string atLimit = syncore::dumpJson(nested(syncore::ParseLimits{}.maxDepth));
  const std::string overLimit = syncore::dumpJson(nested(syncore::ParseLimits{}.maxDepth + 1));
  for (const std::string& data : {atLimit, overLimit, std::string(R"({"id":"deep","s":"bad \x"})"),
                                  std::string(R"({"id":"deep","s":"\xff"})"), std::string(R"({"id":"deep","n":01})")}) {
    INFO(data.substr(0, 60));
    const Restored text = restoreAll({canonicalLine("deep", value(data))}, {"deep"});
    const Restored tree = restoreAll({plainLine("deep", value(data))}, {"deep"});
    CHECK(text.events == tree.events);
    CHECK(text.texts == tree.texts);
    CHECK(text.stats == tree.stats);
  }
  // And the limit is where it was: the entity at the limit is there, the one past it is not.
  CHECK(!restoreAll({canonicalLine("deep", value(atLimit))}, {"deep"}).texts[0].empty());
  CHECK(restoreAll({canonicalLine("deep", value(overLimit))}, {"deep"}).texts[0].empty());
}

TEST_CASE("restore: canonical records of other shapes restore exactly as the full parse restores them") {
  // Each line read as canonical and as plain: the same entities, stats and refusals. The shapes
  // the one-pass reader leaves to the parse (an escaped id, a fraction or a long version, data
  // that is not an object) and those it takes (a tombstone with data, an unknown collection).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(["todos","a"b"])", R"({"data":{"id":"a"b","n":5},"deleted":false,"version":1})"},
      {R"(["gone","x"])", R"({"data":{"id":"x","n":5},"deleted":false,"version":1})"},
      {R"(["todos","x"])", R"({"data":{"id":"x","n":5},"deleted":false,"version":1.5})"},
      {R"(["todos","x"])", R"({"data":{"id":"x","n":5},"deleted":false,"version":12345678901234567890})"},
      {R"(["todos","x"])", R"({"data":null,"deleted":false,"version":1})"},
      {R"(["todos","x"])", R"({"data":[1],"deleted":false,"version":1})"},
      {R"(["todos","x"])", R"({"data":{"id":"x","n":5},"deleted":true,"version":4})"},
      {R"(["todos","x"])", R"({"data":{"id":"x","n":5},"deleted":"no","version":1})"},
      {R"(["todos","x",3])", R"({"data":{"id":"x","n":5},"deleted":false,"version":1})"},
      {R"(["todos","x"])", R"({"data":{"id":"x","n":5},"deleted":false,"version":-3})"},
  };
  for (const auto& [key, value] : cases) {
    INFO(key << " " << value);
    const std::string canonical = R"({"store":"entities","key":)" + key + R"(,"canonical":true,"value":)" + value + "}";
    const std::string plain = R"({"store":"entities","key":)" + key + R"(,"value":)" + value + "}";
    // A live entity before it: a tombstone or a refusal must act on something.
    const std::string before = canonicalLine("x", R"({"data":{"id":"x","n":9},"deleted":false,"version":2})");
    const Restored text = restoreAll({before, canonical}, {"x", "a\"b"}), tree = restoreAll({before, plain}, {"x", "a\"b"});
    CHECK(text.events == tree.events);
    CHECK(text.texts == tree.texts);
    CHECK(text.stats == tree.stats);
    CHECK(text.queryIds == tree.queryIds);
  }
}

TEST_CASE("Collection::upsert keeps a canonical text it is given, and writes one from the data otherwise") {
  Collection c("todos", CollectionOptions{});
  const json data = {{"id", "a"}, {"n", 1}};
  const std::string given = syncore::dumpJson(data);
  REQUIRE(c.upsert("a", 1, data, given) == syncore::WriteResult::Created);
  REQUIRE(c.confirmedText("a") != nullptr);
  CHECK(*c.confirmedText("a") == given);
  // The same data again, as text or as tree: a no-op either way.
  CHECK(c.upsert("a", 1, data, given) == syncore::WriteResult::Ignored);
  CHECK(c.upsert("a", 1, data) == syncore::WriteResult::Ignored);
  REQUIRE(c.upsert("b", 1, data) == syncore::WriteResult::Created);
  CHECK(*c.confirmedText("b") == given);
}

TEST_CASE("restore: a canonical entity record's data text is cut at its own \"deleted\", not at one inside the data") {
  // Strings in the data that hold the very words the cut looks for.
  // A field "deleted" of the data itself (after "a": the text holds ,"deleted": before the record's own).
  const json data = {{"a", 1}, {"deleted", true}, {"id", "t"}, {"s", R"(,"deleted":false,"version":1})"},
                     {"k", {{",\"deleted\":", "x"}}}, {"u", "日本 😀"}, {"version", 9}};
  const std::string value = syncore::dumpJson(json{{"data", data}, {"deleted", false}, {"version", 3}});
  CHECK(restoredGet({canonicalLine("t", value)}, "t") == data);
}

TEST_CASE("restore: a record marked canonical but of another shape restores from its parsed data") {
  const json data = {{"id", "t"}, {"z", 1}, {"a", 2}};
  // Key order of JS (version first): not cut, written again from the tree.
  const std::string value = R"({"version":1,"deleted":false,"data":{"id":"t","z":1,"a":2}})";
  CHECK(restoredGet({canonicalLine("t", value)}, "t") == data);
  // A tombstone: nothing to keep.
  CHECK(restoredGet({canonicalLine("t", R"({"data":null,"deleted":true,"version":2})")}, "t").is_null());
}

}  // namespace test_restore_canonical
