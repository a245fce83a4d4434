// Regressions found by the deterministic simulation (tests/native/test_simulation.cpp): each case
// is the smallest sequence of API calls that reproduced one failure, named after what broke.
#include <catch2/catch.hpp>

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_sync_regressions {

using namespace synctest;
using syncore::Status;

namespace {

// The records the persist effects wrote, as the shim's storage holds them.
struct Storage {
  std::map<std::string, json> records;
  void write(const Commit& c) {
    for (const json& e : effectsOf(c, "persist")) {
      for (const json& r : e["put"]) records[r["store"].dump() + r["key"].dump()] = r["value"];
      for (const json& r : e["delete"]) records.erase(r["store"].dump() + r["key"].dump());
    }
  }
};

json exported(const SyncCore& core, const std::string& store, const json& key) {
  for (const json& r : core.exportRecords())
    if (r["store"] == store && r["key"] == key) return r["value"];
  return nullptr;
}

json persistedMeta(const Commit& c) {
  for (const json& e : effectsOf(c, "persist"))
    for (const json& r : e["put"])
      if (r["store"] == "meta") return r["value"];
  return nullptr;
}

std::uint32_t batchOf(const Commit& c) {
  auto sends = effectsOf(c, "send");
  REQUIRE(sends.size() == 1);
  return sends[0]["batch"].get<std::uint32_t>();
}

std::vector<std::vector<std::string>> pendingIds(const SyncCore& core) {
  std::vector<std::vector<std::string>> out;
  for (const json& p : core.pendingMutations()) out.push_back(p["mutationIds"].get<std::vector<std::string>>());
  return out;
}

}  // namespace

TEST_CASE("regression: a dead letter renamed with its entity is persisted under the new id") {
  // sim seed 10: the rename changed the dead letter in memory only; a restart brought back the
  // old id.
  SyncCore core = makeClient();
  Storage storage;
  storage.write(goOnline(core));
  storage.write(server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x"}}])"));
  Commit c1;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"title", "y"}}}}, 1000, &c1);
  storage.write(c1);
  const std::string k1 = sent(c1).at(0)["key"];
  storage.write(server(core, json::array({{{"op", "reject"}, {"key", k1}, {"class", "validation"}, {"message", "no"}}})));
  REQUIRE(core.deadLetters().size() == 1);
  const json deadSeq = core.deadLetters()[0]["seq"];
  storage.write(server(core, R"([{"op":"delete","collection":"todos","id":"a","version":2}])"));
  Commit c2;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "a"}, {"data", {{"title", "z"}}}}, 1000, &c2);
  storage.write(c2);
  const std::string k2 = sent(c2).at(0)["key"];
  // The server files the re-create under an id of its own: "a" becomes "a2", its dead letter too.
  Commit ack = server(core, json::array({{{"op", "ack"}, {"key", k2}, {"id", "a2"}, {"version", 3},
                                          {"data", {{"id", "a2"}, {"title", "z"}}}}}));
  storage.write(ack);
  REQUIRE(core.deadLetters()[0]["id"] == "a2");
  const json stored = storage.records.at(json("deadLetters").dump() + deadSeq.dump());
  CHECK(stored["entry"]["entityId"] == "a2");
  CHECK(stored == exported(core, "deadLetters", deadSeq));
}

TEST_CASE("regression: a dead-lettered create takes the edits queued behind it along") {
  // sim seeds 24, 1879 and others: the edit went out alone for the temp id, came back as a conflict
  // on a missing entity and was re-made as a create of the bare patch (an entity without its id).
  SyncCore core = makeClient();
  goOnline(core);
  Commit created;
  const std::string m1 = mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "t"}}}}, 1000, &created);
  const std::string key = sent(created).at(0)["key"];
  Commit edited;
  const std::string m2 = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "tmp-c1-1"},
                                       {"patch", {{"title", "u"}}}}, 1000, &edited);
  CHECK(sent(edited).empty());  // behind its create, in flight

  Commit rejected = server(core, json::array({{{"op", "reject"}, {"key", key}, {"class", "validation"}, {"message", "bad"}}}));
  CHECK(sent(rejected).empty());  // nothing goes out for an entity the server never had
  CHECK(core.pendingMutations().empty());
  REQUIRE(core.deadLetters().size() == 2);
  auto dead = settled(rejected, "dead-letter");
  REQUIRE(dead.size() == 2);
  CHECK(dead[0]["mutationIds"] == json::array({m1}));
  CHECK(dead[1]["mutationIds"] == json::array({m2}));
  CHECK(view(core, "tmp-c1-1").is_null());
  const std::uint64_t createSeq = core.deadLetters()[0]["seq"];
  const std::uint64_t editSeq = core.deadLetters()[1]["seq"];

  SECTION("retrying the edit retries its create first") {
    Commit retried;
    REQUIRE(core.retryDeadLetter(editSeq, 2000, retried).isOk());
    CHECK(core.deadLetters().empty());
    CHECK(pendingIds(core) == std::vector<std::vector<std::string>>{{m1}, {m2}});
    auto out = sent(retried);
    REQUIRE(out.size() == 1);
    CHECK(out[0]["kind"] == "create");
  }
  SECTION("retrying the create brings its edits back too") {
    Commit retried;
    REQUIRE(core.retryDeadLetter(createSeq, 2000, retried).isOk());
    CHECK(core.deadLetters().empty());
    CHECK(pendingIds(core) == std::vector<std::vector<std::string>>{{m1}, {m2}});
    CHECK(view(core, "tmp-c1-1")["title"] == "u");
  }
  SECTION("editing the create brings its edits back too") {
    Commit fixed;
    REQUIRE(core.editDeadLetter(createSeq, {{"id", "tmp-c1-1"}, {"title", "ok"}}, 2000, fixed).isOk());
    CHECK(core.deadLetters().empty());
    CHECK(pendingIds(core) == std::vector<std::vector<std::string>>{{m1}, {m2}});
  }
  SECTION("discarding the create discards its edits") {
    Commit discarded;
    REQUIRE(core.discardDeadLetter(createSeq, 2000, discarded).isOk());
    CHECK(core.deadLetters().empty());
    CHECK(core.pendingMutations().empty());
  }
}

TEST_CASE("regression: after a create's ack the edits behind it have the server's id in their base") {
  // sim seeds 80, 263, 303, 350: the base kept the temp id, so a parked conflict's "local" named
  // the temp id and choosing it failed ("id 's4' differs from the entity's 'tmp-c3-2'").
  SyncCore core = makeClient({{"strategy", "manual"}});
  goOnline(core);
  Commit created;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "t"}}}}, 1000, &created);
  const std::string key = sent(created).at(0)["key"];
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "tmp-c1-1"}, {"data", {{"id", "tmp-c1-1"}, {"title", "u"}}}});
  Commit offline;
  REQUIRE(core.setOnline(false, 1000, offline).isOk());  // the edit stays unsent
  server(core, json::array({{{"op", "ack"}, {"key", key}, {"id", "s1"}, {"version", 1}, {"data", {{"id", "s1"}, {"title", "t"}}}}}));
  server(core, R"([{"op":"upsert","collection":"todos","id":"s1","version":2,"data":{"id":"s1","title":"r"}}])");
  REQUIRE(core.conflicts().size() == 1);
  const json conflict = core.conflicts()[0];
  CHECK(conflict["base"]["id"] == "s1");
  CHECK(conflict["local"] == json({{"id", "s1"}, {"title", "u"}}));
  Commit resolved;
  std::string mid;
  Status s = core.resolveConflict(conflict["id"], {{"choice", "local"}}, 2000, resolved, mid);
  INFO(s.message);
  CHECK(s.isOk());
  CHECK(view(core, "s1")["title"] == "u");
}

TEST_CASE("regression: a clock moved by a remote timestamp is persisted") {
  // sim seeds 111 and others: the meta record on disk kept the older clock, so a restart could
  // issue timestamps before ones it had already received.
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","n":0}}])");
  goOnline(core);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 1}}}});  // in flight
  Commit remote = server(core, json::array({{{"op", "upsert"}, {"collection", "todos"}, {"id", "a"}, {"version", 2},
                                             {"data", {{"id", "a"}, {"n", 5}}},
                                             {"ts", {{"wall", 31000}, {"counter", 4}, {"node", "c9"}}}}}), 1000);
  const json meta = persistedMeta(remote);
  REQUIRE(meta.is_object());
  CHECK(meta["clock"] == exported(core, "meta", "core")["clock"]);
  CHECK(meta["clock"]["wall"].get<std::int64_t>() >= 31000);
}

TEST_CASE("regression: a retry's jitter after a timeout is persisted") {
  // sim seeds 50 and 413: the outbox PRNG advanced in memory only, so a restart replayed it.
  SyncCore core = makeClient();
  goOnline(core);
  Commit created;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "t"}}}}, 1000, &created);
  Commit timedOut;
  REQUIRE(core.batchTimedOut(batchOf(created), 3000, timedOut).isOk());
  const json meta = persistedMeta(timedOut);
  REQUIRE(meta.is_object());
  CHECK(meta["outbox"] == exported(core, "meta", "core")["outbox"]);
}

TEST_CASE("regression: an edit on top of a pending re-create has the re-created entity as its base") {
  // sim seed 80: with no confirmed entity the base was null, so a remote re-create parked a conflict
  // whose "local" was the bare patch and choosing it failed ("an update cannot change the id field").
  SyncCore core = makeClient({{"strategy", "manual"}});
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x"}},
                  {"op":"delete","collection":"todos","id":"a","version":2}])");
  goOnline(core);
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "a"}, {"data", {{"title", "mine"}}}});  // sent
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 1}}}});
  Commit offline;
  REQUIRE(core.setOnline(false, 1000, offline).isOk());
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":3,"data":{"id":"a","title":"theirs","n":7}}])");
  REQUIRE(core.conflicts().size() == 1);
  const json conflict = core.conflicts()[0];
  CHECK(conflict["local"] == json({{"id", "a"}, {"title", "mine"}, {"n", 1}}));
  Commit resolved;
  std::string mid;
  Status s = core.resolveConflict(conflict["id"], {{"choice", "local"}}, 2000, resolved, mid);
  INFO(s.message);
  CHECK(s.isOk());
  CHECK(view(core, "a")["n"] == 1);
}

TEST_CASE("regression: an ack does not rebase an older entry put back from the dead letters") {
  // sim seed 1879: an edited dead letter went back in front of an in-flight delete; the delete's ack
  // made it an edit of nothing, and its conflict re-created the entity from the bare patch.
  SyncCore core = makeClient({{"strategy", "client-wins"}});
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"t","n":1}}])");
  goOnline(core);
  Commit edit;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"title", "INVALID"}}}}, 1000, &edit);
  const std::string k1 = sent(edit).at(0)["key"];
  server(core, json::array({{{"op", "reject"}, {"key", k1}, {"class", "validation"}, {"message", "bad"}}}));
  const std::uint64_t deadSeq = core.deadLetters().at(0)["seq"];
  Commit del;
  mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", "a"}}, 1000, &del);
  const std::string k2 = sent(del).at(0)["key"];
  Commit fixed;
  REQUIRE(core.editDeadLetter(deadSeq, {{"title", "fixed"}}, 1000, fixed).isOk());
  CHECK(sent(fixed).empty());  // the entity's delete is in flight
  Commit acked = server(core, json::array({{{"op", "ack"}, {"key", k2}, {"version", 2}}}));
  auto out = sent(acked);
  REQUIRE(out.size() == 1);
  CHECK(out[0]["kind"] == "update");
  CHECK(out[0]["baseVersion"] == 1);  // still against what it was made on
  Commit conflict = server(core, json::array({{{"op", "conflict"}, {"key", out[0]["key"]}, {"version", 2}, {"data", nullptr}}}));
  auto recreate = sent(conflict);
  REQUIRE(recreate.size() == 1);
  CHECK(recreate[0]["kind"] == "create");
  CHECK(recreate[0]["data"] == json({{"id", "a"}, {"title", "fixed"}, {"n", 1}}));
}

TEST_CASE("regression: edits of an id that may be our own uncertain create wait for its ack") {
  // sim seeds 104, 997, 3019 and others: the create's ack and echo were lost; another client's edit
  // showed the entity under its server id; edits made there went out before older edits queued
  // behind the temp id, and the ack's rename merged the two queues too late.
  SyncCore core = makeClient();
  goOnline(core);
  Commit created;
  const std::string m1 = mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "t"}}}}, 1000, &created);
  const std::string key = sent(created).at(0)["key"];
  const std::string m2 = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "tmp-c1-1"}, {"patch", {{"n", 1}}}});
  server(core, R"([{"op":"upsert","collection":"todos","id":"s1","version":2,"data":{"id":"s1","title":"t","x":1},"origin":"c2:9"}])");
  Commit suspect;
  const std::string m3 = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "s1"}, {"patch", {{"n", 2}}}}, 1000, &suspect);
  CHECK(sent(suspect).empty());  // held: s1 may be our create
  const std::string m4 = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "tmp-c1-1"}, {"patch", {{"n", 3}}}});
  CHECK(pendingIds(core) == std::vector<std::vector<std::string>>{{m1}, {m2}, {m3}, {m4}});  // m4 not folded into m2

  Commit acked = server(core, json::array({{{"op", "ack"}, {"key", key}, {"id", "s1"}, {"version", 1},
                                            {"data", {{"id", "s1"}, {"title", "t"}}}}}));
  CHECK(pendingIds(core) == std::vector<std::vector<std::string>>{{m2}, {m3}, {m4}});
  auto out = sent(acked);
  REQUIRE(out.size() == 1);  // the merged queue goes out from its head, in the order made
  CHECK(out[0]["id"] == "s1");
  CHECK(out[0]["data"] == json({{"n", 1}}));

  SECTION("an entity with entries of its own is never held") {
    SyncCore other = makeClient();
    goOnline(other);
    Commit c;
    mutate(other, {{"collection", "todos"}, {"op", "create"}, {"id", "x"}, {"data", {{"title", "t"}}}}, 1000, &c);
    server(other, R"([{"op":"upsert","collection":"todos","id":"x","version":1,"data":{"id":"x","title":"o"},"origin":"c2:1"}])");
    Commit timedOut;
    REQUIRE(other.batchTimedOut(batchOf(c), 2000, timedOut).isOk());
    auto wakes = effectsOf(timedOut, "wake");
    REQUIRE(wakes.size() == 1);
    Commit woken;
    REQUIRE(other.tick(wakes[0]["at"].get<std::int64_t>(), woken).isOk());
    CHECK(sent(woken).size() == 1);  // re-sent: its own create does not wait for itself
  }
}

TEST_CASE("regression: an edit made while a delete was dead-lettered is not rebased onto that delete") {
  // sim seeds 4411, 5512: the app retried a dead-lettered delete in front of an edit made in the
  // meantime; the delete's ack made the edit an edit of nothing (null base, current version) and
  // its conflict re-created the entity from the bare patch.
  SyncCore core = makeClient({{"strategy", "client-wins"}});
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"t"}}])");
  goOnline(core);
  Commit del;
  mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", "a"}}, 1000, &del);
  const std::string k1 = sent(del).at(0)["key"];
  server(core, json::array({{{"op", "reject"}, {"key", k1}, {"class", "validation"}, {"message", "not yet"}}}));
  const std::uint64_t deadSeq = core.deadLetters().at(0)["seq"];
  Commit offline;
  REQUIRE(core.setOnline(false, 1000, offline).isOk());
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 1}}}});  // on the live entity
  Commit retried;
  REQUIRE(core.retryDeadLetter(deadSeq, 1000, retried).isOk());  // back in front of the edit
  Commit online = goOnline(core);
  REQUIRE(sent(online).size() == 1);
  const std::string k2 = sent(online)[0]["key"];
  CHECK(k2 != k1);  // refused for certain under k1: the retry is a new request
  Commit acked = server(core, json::array({{{"op", "ack"}, {"key", k2}, {"version", 2}}}));
  auto out = sent(acked);
  REQUIRE(out.size() == 1);
  CHECK(out[0]["kind"] == "update");
  CHECK(out[0]["baseVersion"] == 1);  // still against the entity it was made on
  Commit conflict = server(core, json::array({{{"op", "conflict"}, {"key", out[0]["key"]}, {"version", 2}, {"data", nullptr}}}));
  auto recreate = sent(conflict);
  REQUIRE(recreate.size() == 1);
  CHECK(recreate[0]["kind"] == "create");
  CHECK(recreate[0]["data"] == json({{"id", "a"}, {"title", "t"}, {"n", 1}}));
}
}  // namespace test_sync_regressions
