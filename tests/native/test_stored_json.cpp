#include <catch2/catch.hpp>

#include <cmath>

#include "store/collection.hpp"
#include "store/live_query.hpp"
#include "store/stored_json.hpp"
#include "wire/json_fast.hpp"

// Confirmed entities held as canonical text (store/stored_json.hpp): everything a reader gets
// back is what a tree store gave.
namespace test_stored_json {

using namespace syncore;

namespace {
json parsed(const char* text) {
  json out;
  REQUIRE(parseJsonFast(text, out, ParseLimits{}).isOk());
  return out;
}
}  // namespace

TEST_CASE("stored json: an entity reads back with its keys, numbers and strings as given") {
  // -0.0, 2^60 (unsigned), -2^60 (signed), a float that looks integral, escapes, nesting.
  const char* text =
      R"({"z":1,"a":-0.0,"big":1152921504606846976,"neg":-1152921504606846976,"f":2.0,"e":1.5e300,)"
      R"("s":"q\"\\\n\u0001é😀","nested":{"b":[1,{"c":null}],"a":true},"id":"x"})";
  const json original = parsed(text);
  Collection c("t", {});
  REQUIRE(c.upsert("x", 1, original) == WriteResult::Created);
  EntityRef back = c.get("x");
  REQUIRE(back != nullptr);
  CHECK(*back == original);
  CHECK(dumpJson(*back) == dumpJson(original));
  CHECK(std::signbit((*back)["a"].get<double>()));
  CHECK((*back)["big"].is_number_unsigned());
  CHECK((*back)["neg"].is_number_integer());
  CHECK((*back)["f"].is_number_float());
  // The stored bytes are dumpJson's, so a reader can hand them out as they are.
  REQUIRE(c.confirmedText("x") != nullptr);
  CHECK(*c.confirmedText("x") == dumpJson(original));
  CHECK(c.find("x")->data() == original);
}

TEST_CASE("stored json: a same-version write nlohmann calls equal is still a no-op (1 against 1.0)") {
  Collection c("t", {});
  c.upsert("x", 3, parsed(R"({"id":"x","n":1})"));
  CHECK(c.upsert("x", 3, parsed(R"({"id":"x","n":1.0})")) == WriteResult::Ignored);
  CHECK(dumpJson(*c.get("x")) == R"({"id":"x","n":1})");  // the held one stays
  CHECK(c.upsert("x", 3, parsed(R"({"id":"x","n":2})")) == WriteResult::Updated);
  json same = parsed(R"({"id":"x","n":2.0})");
  CHECK(c.overwrite("x", 3, &same) == WriteResult::Ignored);
}

TEST_CASE("stored json: stats count the tree the text stands for, as before") {
  Collection c("t", {});
  const json data = parsed(R"({"id":"s1","name":"student 1","score":7,"grade":1})");
  c.upsert("s1", 1, data);
  const std::string id = "s1";
  CHECK(c.approxBytes() == 64 + id.capacity() + approxBytes(data));
  c.remove("s1", 2);
  CHECK(c.approxBytes() == 64 + id.capacity());
}

TEST_CASE("stored json: a reader's tree is its own; an overlay is read in place") {
  Collection c("t", {});
  c.upsert("x", 1, parsed(R"({"id":"x","n":1})"));
  json mine = c.get("x").release();
  mine["n"] = 99;
  CHECK((*c.get("x"))["n"] == 1);
  c.setOverlay("x", parsed(R"({"id":"x","n":5})"));
  EntityRef view = c.get("x");
  CHECK((*view)["n"] == 5);
  CHECK(c.confirmedText("x") == nullptr);  // the view is not the confirmed text
  CHECK((*c.confirmed("x"))["n"] == 1);
  c.setOverlay("x", json(nullptr));
  CHECK_FALSE(c.has("x"));
  CHECK(c.hasConfirmed("x"));
  CHECK(c.get("x") == nullptr);
}

TEST_CASE("stored json: a query reads only its fields, and orders and filters as on the whole entity") {
  const std::string text = dumpJson(parsed(R"({"a\"b":{"c":[1,2]},"id":"1","meta":{"n":"x,}"},"score":5,"z":[{"q":"]"}]})"));
  CHECK(fieldsFromStored(text, {"score"}) == json{{"score", 5}});
  CHECK(fieldsFromStored(text, {"z", "a\"b"}) == parsed(R"({"a\"b":{"c":[1,2]},"z":[{"q":"]"}]})"));
  CHECK(fieldsFromStored(text, {"missing"}) == json::object());

  QuerySpec spec;
  REQUIRE(parseQuerySpec(parsed(R"({"collection":"t","where":[{"field":"meta.n","op":"eq","value":"x,}"}],
                                    "orderBy":[{"field":"score","dir":"desc"}]})"), spec).isOk());
  LiveQuery q(std::move(spec));
  CHECK(q.fields() == std::vector<std::string>{"meta", "score"});
  Collection c("t", {});
  c.upsert("1", 1, parsed(text.c_str()));
  c.upsert("2", 1, parsed(R"({"id":"2","meta":{"n":"x,}"},"score":9})"));
  c.upsert("3", 1, parsed(R"({"id":"3","meta":{"n":"y"},"score":7})"));
  c.forEachLiveFields(q.fields(), [&](const std::string& id, const json& e) { q.seed(id, e); });
  CHECK(q.window() == std::vector<std::string>{"2", "1"});
}

}  // namespace test_stored_json

namespace test_stored_json {

TEST_CASE("stored json: a projection reused across entities holds only each entity's own fields") {
  json scratch = json::object();
  fieldsFromStored(R"({"a":1,"b":"x","id":"1"})", {"a", "b", "a"}, scratch);
  CHECK(scratch == json{{"a", 1}, {"b", "x"}});
  fieldsFromStored(R"({"b":[2],"id":"2"})", {"a", "b", "a"}, scratch);
  CHECK(scratch == json{{"b", json::array({2})}});  // a is gone: this entity has none
  fieldsFromStored(R"({"id":"3"})", {"a", "b"}, scratch);
  CHECK(scratch == json::object());
}

TEST_CASE("stored json: text that is not one JSON value reads back as null") {
  // The fast reader refuses these and so does the last word (parseJsonValue, held to nlohmann's
  // parser by test_json_fast): the answer is null, never a partial tree.
  for (const char* text : {"", "{", R"({"a":1,})", R"({"a":1} x)", R"({"a":"\x"})", "[1,2", "nul"}) {
    INFO(text);
    CHECK(treeFromStored(text).is_null());
  }
  CHECK(treeFromStored(R"( {"a" : [1, {"b":null}] } )") == parsed(R"({"a":[1,{"b":null}]})"));
}

}  // namespace test_stored_json
