// Restart: the durable state round-trips through the records the core asks to persist.

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_restart {

using namespace synctest;

namespace {

}  // namespace

TEST_CASE("restart: confirmed state, pending log, dead letters, conflicts, cursor and ids come back") {
  PersistedRecords storage;
  SyncCore core = makeClient({{"strategy", "manual"}});
  REQUIRE(core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"maxInFlightBatches", 8}}).isOk());
  storage.apply(server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":3,"data":{"id":"1","t":"a"}},
                                        {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2"}},
                                        {"op":"delete","collection":"todos","id":"3","version":4}],"cursor":17})"));
  Commit c;
  std::string m1 = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"t", "local"}}}}, 1000, &c);
  storage.apply(c);
  Commit on = goOnline(core);
  storage.apply(on);
  const std::string inflightKey = sent(on)[0]["key"];
  c = Commit();
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"t", "new"}}}}, 1000, &c);
  storage.apply(c);
  const std::string temp = c.changes.collections["todos"].created[0];
  c = Commit();
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "2"}, {"patch", {{"t", "x"}}}}, 1000, &c);
  storage.apply(c);
  // entity 2's update is rejected: a dead letter
  REQUIRE(sent(c).size() == 1);
  storage.apply(server(core, json::array({{{"op", "reject"}, {"key", sent(c)[0]["key"]}, {"class", "validation"}, {"message", "no"}}})));
  json before1 = view(core, "1");
  json beforeTemp = view(core, temp);
  const std::size_t pending = core.pendingMutations().size();

  // crash: everything in memory is gone; only storage remains
  SyncCore again = reopen(storage, {{"strategy", "manual"}}, "fresh-id-ignored");
  CHECK(again.clientId() == "c1");  // the persisted identity, not the new config's
  CHECK(again.cursor() == 17);
  CHECK(view(again, "1") == before1);
  CHECK(view(again, temp) == beforeTemp);
  CHECK(view(again, "3").is_null());
  std::int64_t v = 0;
  REQUIRE(again.entityVersion("todos", "3", v).isOk());
  CHECK(v == 4);  // the tombstone survived
  CHECK(again.pendingMutations().size() == pending);
  CHECK(again.deadLetters().size() == 1);
  // the in-flight mutation is re-sent under its original key; new mutations get new numbers
  Commit back = goOnline(again, 2000);
  bool resentSameKey = false;
  for (const json& m : sent(back)) resentSameKey = resentSameKey || m["key"] == inflightKey;
  CHECK(resentSameKey);
  Commit n;
  std::string m4 = mutate(again, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"t", "after restart"}}}}, 2000, &n);
  CHECK(m4 != m1);
  CHECK(m4.rfind("c1#", 0) == 0);
}

TEST_CASE("restart: a parked conflict survives a restart and is resolved after it") {
  PersistedRecords storage;
  SyncCore core = makeClient({{"strategy", "manual"}});
  storage.apply(server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","t":"a"}}])"));
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"t", "mine"}}}}, 1000, &c);
  storage.apply(c);
  storage.apply(server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","t":"theirs"}}])"));
  REQUIRE(core.conflicts().size() == 1);

  SyncCore again = reopen(storage, {{"strategy", "manual"}}, "fresh-id-ignored");
  json list = again.conflicts();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["local"]["t"] == "mine");
  CHECK(list[0]["remote"]["t"] == "theirs");
  Commit r;
  std::string m;
  REQUIRE(again.resolveConflict(list[0]["id"], {{"choice", "local"}}, 3000, r, m).isOk());
  storage.apply(r);
  CHECK(view(again, "1")["t"] == "mine");
  SyncCore third = reopen(storage, {{"strategy", "manual"}}, "fresh-id-ignored");
  CHECK(third.conflicts().empty());
  CHECK(third.pendingMutations().size() == 1);
}

TEST_CASE("restart: acknowledged work leaves no outbox records behind") {
  PersistedRecords storage;
  SyncCore core = makeClient();
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "a"}, {"data", {{"n", 1}}}}, 1000, &c);
  storage.apply(c);
  Commit on = goOnline(core);
  storage.apply(on);
  storage.apply(server(core, json::array({{{"op", "ack"}, {"key", sent(on)[0]["key"]}, {"version", 1}}})));
  for (const auto& [k, r] : storage.records) CHECK(r["store"] != "outbox");
  SyncCore again = reopen(storage, json::object(), "fresh-id-ignored");
  CHECK(again.pendingMutations().empty());
  CHECK(view(again, "a")["n"] == 1);
}

TEST_CASE("restart: corrupt records are refused whole, and only on a fresh core") {
  SyncCore core = makeClient();
  Commit c;
  CHECK(core.restore(json::object(), c).code == syncore::ErrorCode::WrongType);
  CHECK(core.restore(json::parse(R"([{"store":"entities","key":"x","value":{}}])"), c).code == syncore::ErrorCode::CorruptRecord);
  CHECK(core.restore(json::parse(R"([{"store":"mystery","key":1,"value":{}}])"), c).code == syncore::ErrorCode::CorruptRecord);
  CHECK(core.restore(json::parse(R"([{"store":"outbox","key":1,"value":{}}])"), c).code == syncore::ErrorCode::CorruptRecord);
  CHECK(core.restore(json::parse(R"([{"store":"meta","key":"core","value":{"clientId":"x"}}])"), c).code == syncore::ErrorCode::CorruptRecord);
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}}])");
  CHECK(core.restore(json::array(), c).code == syncore::ErrorCode::InvalidArgument);
  CHECK(view(core, "1").is_object());
}

TEST_CASE("restart: collections marked persist:false write no records") {
  SyncCore core;
  REQUIRE(core.defineCollection("todos", json::object()).isOk());
  REQUIRE(core.defineCollection("secrets", {{"persist", false}}).isOk());
  REQUIRE(core.configureClient({{"clientId", "c1"}, {"persist", true}}).isOk());
  Commit c = server(core, R"([{"op":"upsert","collection":"secrets","id":"k","version":1,"data":{"id":"k","v":"s"}},
                               {"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}}])");
  PersistedRecords storage;
  storage.apply(c);
  for (const auto& [k, r] : storage.records)
    if (r["store"] == "entities") CHECK(r["key"][0] == "todos");
  for (const json& r : core.exportRecords())
    if (r["store"] == "entities") CHECK(r["key"][0] == "todos");
}
}  // namespace test_restart
