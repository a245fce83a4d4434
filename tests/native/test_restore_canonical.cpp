// A hydrate keeps the data text of entity records the core wrote itself (W5): the stored-form
// restore (wasm/stored_restore.cpp) marks them `"canonical":true`, SyncCore::restoreAdd cuts the
// data text out of the record as it is, and Collection::upsert keeps it instead of writing the
// text again from the parsed tree.
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

json restoredGet(const std::vector<std::string>& lines, const std::string& id) {
  SyncCore again;
  REQUIRE(again.defineCollection("todos", json::object()).isOk());
  REQUIRE(again.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}}).isOk());
  REQUIRE(again.restoreBegin().isOk());
  for (const std::string& line : lines) REQUIRE(again.restoreAdd(line).isOk());
  Commit c;
  REQUIRE(again.restoreFinish(false, c).isOk());
  EntityRef e;
  REQUIRE(again.get("todos", id, e).isOk());
  return e == nullptr ? json(nullptr) : *e;
}

}  // namespace

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
