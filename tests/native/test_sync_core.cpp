#include <catch2/catch.hpp>

#include "sync/sync_core.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_sync_core {

using namespace syncore;

namespace {

SyncCore makeCore() {
  SyncCore core;
  REQUIRE(core.defineCollection("todos", json::object()).isOk());
  REQUIRE(core.defineCollection("notes", {{"idField", "key"}}).isOk());
  return core;
}

Commit apply(SyncCore& core, const char* text) {
  Commit commit;
  Status s = core.applyServer(json::parse(text), commit);
  INFO(s.message);
  REQUIRE(s.isOk());
  return commit;
}

Status tryApply(SyncCore& core, const char* text) {
  Commit commit;
  return core.applyServer(json::parse(text), commit);
}

}  // namespace

TEST_CASE("sync_core: collections are defined once, with checked options") {
  SyncCore core = makeCore();
  CHECK(core.defineCollection("todos", json::object()).isOk());
  CHECK(core.defineCollection("todos", {{"idField", "key"}}).code == ErrorCode::InvalidArgument);
  CHECK(core.defineCollection("", json::object()).code == ErrorCode::InvalidArgument);
  CHECK(core.defineCollection("x", {{"idField", 3}}).code == ErrorCode::WrongType);
  CHECK(core.defineCollection("y", json::array()).code == ErrorCode::WrongType);
}

TEST_CASE("sync_core: upserts and deletes produce a change set per commit") {
  SyncCore core = makeCore();
  Commit c1 = apply(core, R"([
    {"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","title":"milk"}},
    {"op":"upsert","collection":"todos","version":1,"data":{"id":2,"title":"eggs"}},
    {"op":"upsert","collection":"notes","version":1,"data":{"key":"n1","text":"hi"}}])");
  CHECK(c1.changes.collections["todos"].created == std::vector<std::string>{"1", "2"});
  CHECK(c1.changes.collections["notes"].created == std::vector<std::string>{"n1"});

  Commit c2 = apply(core, R"([
    {"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","title":"oat milk"}},
    {"op":"delete","collection":"todos","id":"2","version":2}])");
  CHECK(c2.changes.collections["todos"].updated == std::vector<std::string>{"1"});
  CHECK(c2.changes.collections["todos"].deleted == std::vector<std::string>{"2"});
  CHECK(c2.changes.collections["todos"].created.empty());

  syncore::EntityRef one;
  REQUIRE(core.get("todos", "1", one).isOk());
  REQUIRE(one != nullptr);
  CHECK((*one)["title"] == "oat milk");
  syncore::EntityRef two;
  REQUIRE(core.get("todos", "2", two).isOk());
  CHECK(two == nullptr);
  std::int64_t version = 0;
  REQUIRE(core.entityVersion("todos", "2", version).isOk());
  CHECK(version == 2);
}

TEST_CASE("sync_core: net effect within one commit") {
  SyncCore core = makeCore();
  Commit c = apply(core, R"([
    {"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}},
    {"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","x":1}},
    {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2"}},
    {"op":"delete","collection":"todos","id":"2","version":2}])");
  CHECK(c.changes.collections["todos"].created == std::vector<std::string>{"1"});
  CHECK(c.changes.collections["todos"].updated.empty());
  CHECK(c.changes.collections["todos"].deleted.empty());
  // a stale write changes nothing and is not reported
  Commit stale = apply(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","x":0}}])");
  CHECK(stale.changes.empty());
}

TEST_CASE("sync_core: a bad batch is rejected whole and leaves the store as it was") {
  SyncCore core = makeCore();
  apply(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","t":"a"}}])");
  const char* good = R"({"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","t":"b"}})";
  struct Case {
    std::string bad;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {R"({"op":"upsert","collection":"nope","id":"1","version":1,"data":{}})", ErrorCode::UnknownCollection},
      {R"({"op":"upsert","collection":"todos","version":1,"data":{"t":1}})", ErrorCode::MissingId},
      {R"({"op":"upsert","collection":"todos","id":"1","version":"2","data":{}})", ErrorCode::WrongType},
      {R"({"op":"upsert","collection":"todos","id":"1","version":-1,"data":{}})", ErrorCode::WrongType},
      {R"({"op":"upsert","collection":"todos","id":"1","data":{}})", ErrorCode::InvalidArgument},
      {R"({"op":"upsert","collection":"todos","id":"1","version":2,"data":[1]})", ErrorCode::WrongType},
      {R"({"op":"upsert","collection":"todos","id":1.5,"version":2,"data":{}})", ErrorCode::WrongType},
      {R"({"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"2"}})", ErrorCode::IdMismatch},
      {R"({"op":"frobnicate","collection":"todos"})", ErrorCode::UnknownOp},
      {R"({"collection":"todos"})", ErrorCode::UnknownOp},
      {R"({"op":"delete","collection":"todos","version":3})", ErrorCode::MissingId},
      {R"({"op":"load","collection":"todos","entities":{}})", ErrorCode::WrongType},
      {R"({"op":"load","collection":"todos","entities":[{"version":1,"data":{}}]})", ErrorCode::MissingId},
      {R"(7)", ErrorCode::WrongType},
  };
  for (const auto& c : cases) {
    INFO(c.bad);
    std::string batch = "[" + std::string(good) + "," + c.bad + "]";
    Status s = tryApply(core, batch.c_str());
    CHECK(s.code == c.code);
    CHECK_FALSE(s.message.empty());
    syncore::EntityRef e;
    REQUIRE(core.get("todos", "1", e).isOk());
    CHECK((*e)["t"] == "a");  // the good op before the bad one was not applied
  }
  CHECK(tryApply(core, "7").code == ErrorCode::WrongType);
  CHECK(tryApply(core, R"({"ops":{}})").code == ErrorCode::WrongType);
  CHECK(tryApply(core, R"({"ops":[],"cursor":"x"})").code == ErrorCode::WrongType);
}

TEST_CASE("sync_core: bulk load in one call, cursor advances only forward") {
  SyncCore core = makeCore();
  json entities = json::array();
  for (int i = 0; i < 1000; ++i)
    entities.push_back({{"version", 1}, {"data", {{"id", i}, {"score", i % 100}}}});
  json batch = {{"ops", json::array({{{"op", "load"}, {"collection", "todos"}, {"entities", entities}}})},
                {"cursor", 500}};
  Commit commit;
  REQUIRE(core.applyServer(batch, commit).isOk());
  CHECK(commit.changes.collections["todos"].created.size() == 1000);
  CHECK(commit.cursor == 500);
  std::size_t n = 0;
  REQUIRE(core.count("todos", n).isOk());
  CHECK(n == 1000);
  Commit older = apply(core, R"({"ops":[],"cursor":100})");
  CHECK(older.cursor == 500);
  CHECK(core.cursor() == 500);
}

TEST_CASE("sync_core: list is sorted by id and unknown collections are errors") {
  SyncCore core = makeCore();
  apply(core, R"([
    {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"id":"b"}},
    {"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a"}}])");
  json out;
  REQUIRE(core.list("todos", out).isOk());
  CHECK(out == json::parse(R"([{"id":"a"},{"id":"b"}])"));
  CHECK(core.list("nope", out).code == ErrorCode::UnknownCollection);
  std::size_t n = 0;
  CHECK(core.count("nope", n).code == ErrorCode::UnknownCollection);
  syncore::EntityRef e;
  CHECK(core.get("nope", "a", e).code == ErrorCode::UnknownCollection);
}

TEST_CASE("sync_core: subscriptions per collection and per entity") {
  SyncCore core = makeCore();
  std::uint32_t all = 0, one = 0, notes = 0;
  REQUIRE(core.subscribe("todos", "", all).isOk());
  REQUIRE(core.subscribe("todos", "1", one).isOk());
  REQUIRE(core.subscribe("notes", "", notes).isOk());
  std::uint32_t bad = 0;
  CHECK(core.subscribe("nope", "", bad).code == ErrorCode::UnknownCollection);
  Commit c = apply(core, R"([{"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2"}}])");
  CHECK(c.notify == std::vector<std::uint32_t>{all});
  c = apply(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}}])");
  CHECK(c.notify == std::vector<std::uint32_t>{all, one});
  REQUIRE(core.unsubscribe(all).isOk());
  CHECK(core.unsubscribe(all).code == ErrorCode::UnknownSubscription);
  c = apply(core, R"([{"op":"delete","collection":"todos","id":"1","version":2}])");
  CHECK(c.notify == std::vector<std::uint32_t>{one});
}

TEST_CASE("sync_core: live queries are updated by commits and report only visible moves") {
  SyncCore core = makeCore();
  apply(core, R"([
    {"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","done":false,"rank":3}},
    {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2","done":true,"rank":1}},
    {"op":"upsert","collection":"todos","id":"3","version":1,"data":{"id":"3","done":false,"rank":2}}])");
  QueryUpdate q;
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","where":[["done","eq",false]],"orderBy":["rank"],"limit":1})"), q).isOk());
  CHECK(q.ids == std::vector<std::string>{"3"});
  CHECK(q.total == 2);

  // entity 1 changes but stays outside the window: nothing to report
  Commit c = apply(core, R"([{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","done":false,"rank":4}}])");
  CHECK(c.queries.empty());
  // entity 2 enters at the top
  c = apply(core, R"([{"op":"upsert","collection":"todos","id":"2","version":2,"data":{"id":"2","done":false,"rank":1}}])");
  REQUIRE(c.queries.size() == 1);
  CHECK(c.queries[0].query == q.query);
  CHECK(c.queries[0].ids == std::vector<std::string>{"2"});
  CHECK(c.queries[0].total == 3);
  // the window's entity changes its data without moving: reported (readers see new data)
  c = apply(core, R"([{"op":"upsert","collection":"todos","id":"2","version":3,"data":{"id":"2","done":false,"rank":1,"t":"x"}}])");
  REQUIRE(c.queries.size() == 1);
  // a commit on another collection does not touch it
  c = apply(core, R"([{"op":"upsert","collection":"notes","version":1,"data":{"key":"k"}}])");
  CHECK(c.queries.empty());
  // deleting the top entity moves the next one in
  c = apply(core, R"([{"op":"delete","collection":"todos","id":"2","version":4}])");
  REQUIRE(c.queries.size() == 1);
  CHECK(c.queries[0].ids == std::vector<std::string>{"3"});

  QueryUpdate again;
  REQUIRE(core.queryResult(q.query, again).isOk());
  CHECK(again.ids == std::vector<std::string>{"3"});
  REQUIRE(core.closeQuery(q.query).isOk());
  CHECK(core.closeQuery(q.query).code == ErrorCode::UnknownQuery);
  CHECK(core.queryResult(q.query, again).code == ErrorCode::UnknownQuery);
  QueryUpdate bad;
  CHECK(core.openQuery(json::parse(R"({"collection":"nope"})"), bad).code == ErrorCode::UnknownCollection);
  CHECK(core.openQuery(json::parse(R"({"collection":"todos","where":[["a","near",1]]})"), bad).code == ErrorCode::BadQuery);
}

TEST_CASE("sync_core: compaction and stats") {
  SyncCore core = makeCore();
  apply(core, R"([
    {"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}},
    {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2"}},
    {"op":"delete","collection":"todos","id":"2","version":2}])");
  json s = core.stats();
  CHECK(s["collections"]["todos"]["entities"] == 1);
  CHECK(s["collections"]["todos"]["tombstones"] == 1);
  CHECK(s["memoryBytes"].get<std::size_t>() > 0);
  core.cache().set("k", 1, {}, 0);
  CHECK(core.stats()["cache"]["entries"] == 1);
  std::size_t dropped = 0;
  REQUIRE(core.compact("todos", -1, dropped).isOk());
  CHECK(dropped == 1);
  CHECK(core.compact("nope", -1, dropped).code == ErrorCode::UnknownCollection);
  REQUIRE(core.compact("", -1, dropped).isOk());
  CHECK(dropped == 0);
  CHECK(core.stats()["collections"]["todos"]["tombstones"] == 0);
}

TEST_CASE("sync_core: commit serialises to the JSON the JS layer reads") {
  SyncCore core = makeCore();
  std::uint32_t sub = 0;
  REQUIRE(core.subscribe("todos", "", sub).isOk());
  Commit c = apply(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}}],"cursor":3})");
  json j = commitToJson(c);
  CHECK(j["changes"]["todos"]["created"] == json::array({"1"}));
  CHECK(j["notify"] == json::array({sub}));
  CHECK(j["queries"].is_object());
  CHECK(j["cursor"] == 3);
}

TEST_CASE("sync_core: a live query reports a new total even when its window is unchanged") {
  SyncCore core = makeCore();
  apply(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","rank":1}}])");
  QueryUpdate q;
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","orderBy":["rank"],"limit":1})"), q).isOk());
  Commit c = apply(core, R"([{"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2","rank":5}}])");
  REQUIRE(c.queries.size() == 1);
  CHECK(c.queries[0].ids == std::vector<std::string>{"1"});
  CHECK(c.queries[0].total == 2);
  // an update outside the window that keeps the total is not reported
  c = apply(core, R"([{"op":"upsert","collection":"todos","id":"2","version":2,"data":{"id":"2","rank":6}}])");
  CHECK(c.queries.empty());
}
}  // namespace test_sync_core
