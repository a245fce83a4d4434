// Sensitive fields never reach storage: every persisted record of a collection with
// sensitiveFields leaves them out (records/redaction.cpp), while the core's own view keeps them.
#include <catch2/catch.hpp>

#include "records/redaction.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_redaction {

using namespace synctest;

namespace {

std::vector<json> puts(const Commit& c) {
  std::vector<json> out;
  for (const json& e : effectsOf(c, "persist"))
    for (const json& r : e["put"]) out.push_back(r);
  return out;
}

const json* recordOf(const std::vector<json>& records, const std::string& store) {
  for (const json& r : records)
    if (r["store"] == store) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("redaction: entity data, pending payloads and bases leave the sensitive paths out") {
  SyncCore core = makeClient({{"sensitiveFields", {"secret", "card.number", "items.pin"}}});
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,
                    "data":{"id":"a","secret":"s0","card":{"number":"4111","exp":"12/30"},"title":"t"}}])");
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"},
                {"patch", {{"secret", "s1"}, {"items", {{{"pin", 1}, {"n", 1}}, {{"pin", 2}}}}}}}, 1000, &c);
  const std::vector<json> records = puts(c);
  const json* entity = recordOf(records, "entities");
  const json* pending = recordOf(records, "outbox");
  REQUIRE(pending != nullptr);
  const json& v = (*pending)["value"];
  CHECK_FALSE(v["payload"].contains("secret"));
  CHECK(v["payload"]["items"] == json::parse(R"([{"n":1},{}])"));
  CHECK(v["redactedFields"] == json::array({"secret", "items.pin"}));
  CHECK_FALSE(v["meta"]["base"].contains("secret"));
  CHECK(v["meta"]["base"]["card"] == json{{"exp", "12/30"}});
  // The entity record is the confirmed state (unchanged by a pending edit: not written again).
  CHECK(entity == nullptr);
  // The view keeps everything.
  CHECK(view(core, "a")["secret"] == "s1");
  for (const json& r : core.exportRecords()) {
    if (r["store"] != "entities") continue;
    CHECK_FALSE(r["value"]["data"].contains("secret"));
    CHECK(r["value"]["data"]["card"] == json{{"exp", "12/30"}});
    CHECK(r["value"]["data"]["title"] == "t");
  }
}

TEST_CASE("redaction: a collection without sensitive fields is written whole") {
  SyncCore core = makeClient();
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"id", "a"}, {"secret", "s"}}}}, 1000, &c);
  const std::vector<json> records = puts(c);
  const json* pending = recordOf(records, "outbox");
  REQUIRE(pending != nullptr);
  CHECK((*pending)["value"]["payload"]["secret"] == "s");
  CHECK_FALSE((*pending)["value"].contains("redactedFields"));
}

TEST_CASE("redaction: paths through arrays, indexes and absent fields") {
  syncore::SensitiveFields f = syncore::sensitiveFieldsFromJson({"list.1", "deep.x.y", "missing", 7});
  REQUIRE(f.paths.size() == 3);
  json record = {{"store", "conflicts"}, {"key", "k1"},
                 {"value", {{"collection", "todos"},
                            {"base", {{"list", {1, 2, 3}}, {"deep", {{{"x", {{"y", 1}, {"z", 2}}}}, {{"x", 3}}}}}},
                            {"local", nullptr}}}};
  syncore::redactRecord(record, [&](const std::string& c) { return c == "todos" ? &f : nullptr; });
  CHECK(record["value"]["base"] == json::parse(R"({"list":[1,null,3],"deep":[{"x":{"z":2}},{"x":3}]})"));
  CHECK(record["value"]["local"] == nullptr);
  CHECK_FALSE(record["value"].contains("redactedFields"));  // only a pending change's payload says so
}
}  // namespace test_redaction
