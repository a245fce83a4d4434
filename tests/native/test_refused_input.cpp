// What the core cannot take never blocks what it can: server changes set aside one by one (never a
// whole chunk refused), one depth limit on entity data on every path, and a restore record by
// record in chunks that refuses a record on its own.
#include <map>
#include <string_view>

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_refused_input {

using namespace synctest;
using syncore::ErrorCode;

namespace {

// Data nested `levels` deep ({} is one level): {"id":id,"d":{"d":{...}}}.
json nested(int levels, const std::string& id = "") {
  json v = json::object();
  for (int i = 1; i < levels; ++i) v = json{{"d", std::move(v)}};
  if (!id.empty()) v["id"] = id;
  return v;
}

json upsert(const std::string& id, std::int64_t version, json data) {
  return {{"op", "upsert"}, {"collection", "todos"}, {"id", id}, {"version", version}, {"data", std::move(data)}};
}

Commit changes(SyncCore& core, const std::vector<std::string>& texts, std::int64_t cursor) {
  std::vector<std::string_view> views(texts.begin(), texts.end());
  Commit c;
  REQUIRE(core.applyServerChanges(views, true, cursor, 1000, c).isOk());
  return c;
}

struct Storage {
  std::map<std::string, json> records;
  void apply(const Commit& c) {
    for (const json& e : toJsonList(c.effects)) {
      if (e["type"] != "persist") continue;
      for (const json& r : e["delete"]) records.erase(r["store"].get<std::string>() + "|" + r["key"].dump());
      for (const json& r : e["put"]) records[r["store"].get<std::string>() + "|" + r["key"].dump()] = r;
    }
  }
  std::vector<json> all() const {
    std::vector<json> out;
    for (const auto& [k, r] : records) out.push_back(r);
    return out;
  }
};

SyncCore fresh() {
  SyncCore core;
  REQUIRE(core.defineCollection("todos", json::object()).isOk());
  REQUIRE(core.configureClient({{"clientId", "fresh"}, {"seed", 9}, {"persist", true}}).isOk());
  return core;
}

std::vector<json> eventsOf(const Commit& c, const std::string& type) {
  std::vector<json> out;
  for (const json& e : toJsonList(c.events))
    if (e["type"] == type) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("server changes: a refused change is set aside, the others apply, the cursor passes both") {
  SyncCore core = makeClient();
  json badTs = upsert("c", 1, {{"id", "c"}});
  badTs["ts"] = json::object();
  const std::vector<std::string> texts = {
      upsert("a", 1, {{"id", "a"}}).dump(),
      badTs.dump(),
      upsert("d", 1, nested(65, "d")).dump(),  // one level past the limit
      R"({"op":"upsert","collection":"todos","id":"s","version":1,"data":{"t":"\ud800"}})",  // a lone surrogate
      "not json",
      upsert("b", 1, {{"id", "b"}}).dump(),
  };
  Commit c = changes(core, texts, 7);
  CHECK(view(core, "a") == json{{"id", "a"}});
  CHECK(view(core, "b") == json{{"id", "b"}});
  CHECK(view(core, "c").is_null());
  CHECK(view(core, "d").is_null());
  CHECK(core.cursor() == 7);
  CHECK(core.setAsideCount() == 4);
  REQUIRE(!c.effects.empty());
  // Kept first, then the persist effect that stores the cursor past them.
  const std::vector<json> effects = toJsonList(c.effects);
  REQUIRE(effects[0]["type"] == "set-aside");
  REQUIRE(c.effects.size() >= 2);
  CHECK(effects[1]["type"] == "persist");
  const json& aside = effects[0]["changes"];
  REQUIRE(aside.size() == 4);
  CHECK(aside[0]["index"] == 1);
  CHECK(aside[0]["collection"] == "todos");
  CHECK(aside[0]["id"] == "c");
  CHECK(aside[0]["code"] == "WRONG_TYPE");
  CHECK(aside[0]["raw"] == texts[1]);
  CHECK(aside[1]["code"] == "TOO_DEEP");
  CHECK(aside[2]["code"] == "BAD_JSON");
  CHECK(aside[3]["code"] == "BAD_JSON");
  CHECK(aside[3]["collection"].is_null());
  CHECK(eventsOf(c, "change-set-aside").size() == 4);
  CHECK(core.stats()["setAside"] == 4);
}

TEST_CASE("server changes: the set-aside count is persisted with the cursor and cleared on request") {
  Storage storage;
  SyncCore core = makeClient();
  storage.apply(changes(core, {upsert("a", 1, {{"id", "a"}}).dump(), "[]"}, 3));
  SyncCore again = fresh();
  Commit c;
  REQUIRE(again.restoreBegin().isOk());
  for (const json& r : storage.all()) REQUIRE(again.restoreAdd(r.dump()).isOk());
  REQUIRE(again.restoreFinish(false, c).isOk());
  CHECK(again.setAsideCount() == 1);
  CHECK(again.cursor() == 3);
  Commit cleared;
  REQUIRE(again.clearSetAside(2000, cleared).isOk());
  CHECK(again.setAsideCount() == 0);
  CHECK(!effectsOf(cleared, "persist").empty());
}

TEST_CASE("depth: one limit on the entity's data, the same for a create, the server, the ack and a restore") {
  const int limit = syncore::ParseLimits{}.maxDepth;
  Storage storage;
  SyncCore core = makeClient();
  Commit c;
  std::string id;
  // Over the limit: refused on every path, with the same code.
  CHECK(core.mutate({{"collection", "todos"}, {"op", "create"}, {"data", nested(limit + 1, "x")}}, 1000, c, id).code == ErrorCode::TooDeep);
  CHECK(core.applyServer(json::array({upsert("y", 1, nested(limit + 1, "y"))}), 1000, c).code == ErrorCode::TooDeep);
  // At the limit: accepted by the create, its ack (the server's copy), a server change and a restore.
  c = Commit();
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "x"}, {"data", nested(limit, "x")}}, 1000, &c);
  storage.apply(c);
  Commit on = goOnline(core);
  storage.apply(on);
  const std::string key = sent(on).at(0)["key"];
  Commit acked;
  REQUIRE(core.applyServer(json::array({{{"op", "ack"}, {"key", key}, {"version", 1}, {"data", nested(limit, "x")}}}), 1000, acked).isOk());
  storage.apply(acked);
  storage.apply(server(core, json::array({upsert("y", 1, nested(limit, "y"))})));
  CHECK(core.stats()["pending"] == 0);
  SyncCore again = fresh();
  Commit restored;
  REQUIRE(again.restoreBegin().isOk());
  for (const json& r : storage.all()) REQUIRE(again.restoreAdd(r.dump()).isOk());
  REQUIRE(again.restoreFinish(false, restored).isOk());
  CHECK(eventsOf(restored, "record-refused").empty());
  CHECK(view(again, "x") == nested(limit, "x"));
  CHECK(view(again, "y") == nested(limit, "y"));
}

TEST_CASE("restore in chunks: a refused record is reported on its own, the rest restore") {
  Storage storage;
  SyncCore core = makeClient();
  storage.apply(server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}},
                                        {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2"}}],"cursor":9})"));
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "p"}, {"data", {{"t", "pending"}}}}, 1000, &c);
  storage.apply(c);
  std::vector<json> records = storage.all();
  records.push_back({{"store", "entities"}, {"key", {"todos", "deep"}}, {"value", {{"version", 1}, {"deleted", false}, {"data", nested(70)}}}});
  records.push_back({{"store", "conflicts"}, {"key", "conflict-3"}, {"value", {{"id", "conflict-3"}}}});

  SyncCore again = fresh();
  REQUIRE(again.restoreBegin().isOk());
  // Chunks of two: the record text that is not JSON fails nothing but itself.
  for (std::size_t i = 0; i < records.size(); ++i) REQUIRE(again.restoreAdd(records[i].dump()).isOk());
  REQUIRE(again.restoreAdd(std::string_view("{\"store\":")).isOk());
  Commit done;
  REQUIRE(again.restoreFinish(false, done).isOk());
  const std::vector<json> refused = eventsOf(done, "record-refused");
  REQUIRE(refused.size() == 3);
  CHECK(refused[0]["index"] == records.size() - 2);
  CHECK(refused[0]["store"] == "entities");
  CHECK(refused[0]["key"] == json::array({"todos", "deep"}));
  CHECK(refused[0]["code"] == "TOO_DEEP");
  CHECK(refused[1]["store"] == "conflicts");
  CHECK(refused[1]["code"] == "CORRUPT_RECORD");
  CHECK(refused[2]["index"] == records.size());
  CHECK(refused[2]["code"] == "BAD_JSON");
  CHECK(view(again, "1") == json{{"id", "1"}});
  CHECK(view(again, "p")["t"] == "pending");
  CHECK(again.stats()["pending"] == 1);
  CHECK(again.clientId() == "c1");
  // An entity record was lost: the cursor goes back to 0, and that is persisted.
  CHECK(again.cursor() == 0);
  const std::vector<json> persisted = effectsOf(done, "persist");
  REQUIRE(persisted.size() == 1);
  CHECK(persisted[0]["put"][0]["store"] == "meta");
  CHECK(persisted[0]["put"][0]["value"]["cursor"] == 0);
}

TEST_CASE("restore in chunks: an unreadable meta record takes its outbox records along; restore() stays all or nothing") {
  Storage storage;
  SyncCore core = makeClient();
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "p"}, {"data", {{"t", "pending"}}}}, 1000, &c);
  storage.apply(c);
  std::vector<json> records = storage.all();
  for (json& r : records)
    if (r["store"] == "meta") r["value"]["clientId"] = 7;
  SyncCore again = fresh();
  REQUIRE(again.restoreBegin().isOk());
  for (const json& r : records) REQUIRE(again.restoreAddValue(r).isOk());
  Commit done;
  REQUIRE(again.restoreFinish(false, done).isOk());
  const std::vector<json> refused = eventsOf(done, "record-refused");
  REQUIRE(refused.size() == 2);
  CHECK(refused[0]["code"] == "CORRUPT_RECORD");
  CHECK(again.stats()["pending"] == 0);
  CHECK(again.clientId() == "fresh");

  SyncCore strict = fresh();
  Commit none;
  CHECK(strict.restore(json(records), none).code == ErrorCode::CorruptRecord);
  CHECK(strict.stats()["pending"] == 0);
  CHECK(strict.restore(json(storage.all()), none).isOk());
  CHECK(strict.stats()["pending"] == 1);
}
}  // namespace test_refused_input
