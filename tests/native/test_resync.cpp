// Full resync (sync_resync.cpp): the server's catch-up from 0 replaces the confirmed state.

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_resync {

using namespace synctest;

namespace {

Commit begin(SyncCore& core, std::int64_t now = 2000) {
  Commit c;
  REQUIRE(core.beginResync(now, c).isOk());
  return c;
}

Commit finish(SyncCore& core, std::int64_t cursor, const std::string& epoch, std::int64_t now = 2000) {
  Commit c;
  syncore::Status s = core.finishResync(cursor, epoch, now, c);
  INFO(s.message);
  REQUIRE(s.isOk());
  return c;
}

std::int64_t versionOf(const SyncCore& core, const std::string& id) {
  std::int64_t v = 0;
  REQUIRE(core.entityVersion("todos", id, v).isOk());
  return v;
}

const char* kOldDatabase = R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":10,"data":{"id":"1","t":"old"}},
                                      {"op":"upsert","collection":"todos","id":"2","version":12,"data":{"id":"2"}},
                                      {"op":"delete","collection":"todos","id":"3","version":14}],"cursor":50})";

bool hasRecord(const json& list, const json& key) {
  for (const json& r : list)
    if (r["key"] == key) return true;
  return false;
}

}  // namespace

TEST_CASE("resync: the server's versions even lower, entities it did not bring removed, cursor lowered, one commit") {
  PersistedRecords storage;
  SyncCore core = makeClient();
  storage.apply(server(core, kOldDatabase));
  std::uint32_t sub = 0;
  REQUIRE(core.subscribe("todos", "2", sub).isOk());

  storage.apply(begin(core));
  REQUIRE(core.resyncing());
  // The new database's chunk: entity 1 at a lower version, cursor 5. The cursor waits for the end.
  Commit chunk = server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","t":"new"}}],"cursor":5})");
  storage.apply(chunk);
  CHECK(view(core, "1")["t"] == "new");
  CHECK(versionOf(core, "1") == 2);
  CHECK(core.cursor() == 50);
  CHECK(view(core, "2") != nullptr);  // not removed before the end

  Commit done = finish(core, 5, "epoch-2");
  storage.apply(done);
  CHECK_FALSE(core.resyncing());
  CHECK(core.cursor() == 5);
  CHECK(core.epoch() == "epoch-2");
  CHECK(view(core, "2") == nullptr);
  CHECK(versionOf(core, "2") == -1);
  CHECK(versionOf(core, "3") == -1);  // the old database's tombstone is gone too
  CHECK(done.changes.collections["todos"].deleted == std::vector<std::string>{"2"});
  CHECK(done.notify == std::vector<std::uint32_t>{sub});
  // One persist effect: the removals and the meta record with the lowered cursor and new epoch.
  auto persists = effectsOf(done, "persist");
  REQUIRE(persists.size() == 1);
  CHECK(hasRecord(persists[0]["delete"], json::array({"todos", "2"})));
  CHECK(hasRecord(persists[0]["delete"], json::array({"todos", "3"})));
  bool metaOk = false;
  for (const json& r : persists[0]["put"])
    if (r["store"] == "meta")
      metaOk = r["value"]["cursor"] == 5 && r["value"]["epoch"] == "epoch-2" && r["value"]["resyncing"] == false;
  CHECK(metaOk);

  // From here on the new database's numbering is trusted as usual: newer wins again.
  storage.apply(server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"3","version":1,"data":{"id":"3"}}],"cursor":6})"));
  CHECK(view(core, "3") != nullptr);  // the old tombstone (version 14) no longer outvotes it
  storage.apply(server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","t":"stale"}}]})"));
  CHECK(view(core, "1")["t"] == "new");

  SyncCore back = reopen(storage, json::object(), "other");
  CHECK(back.cursor() == 6);
  CHECK(back.epoch() == "epoch-2");
  CHECK(view(back, "2") == nullptr);
  CHECK(versionOf(back, "1") == 2);
}

TEST_CASE("resync: pending creates survive; a pending update of a removed entity is a conflict (server-wins)") {
  SyncCore core = makeClient();  // server-wins
  server(core, kOldDatabase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "2"}, {"patch", {{"t", "mine"}}}});
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "9"}, {"data", {{"t", "created offline"}}}});
  begin(core);
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","t":"new"}}],"cursor":5})");
  Commit done = finish(core, 5, "epoch-2");
  // The server no longer has 2: under server-wins the removal wins, like a remote delete.
  CHECK(view(core, "2") == nullptr);
  CHECK(settled(done, "overridden").size() == 1);
  bool conflict = false;
  for (const json& e : toJsonList(done.events)) conflict = conflict || (e["type"] == "conflict" && e["id"] == "2");
  CHECK(conflict);
  json pending = core.pendingMutations();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["id"] == "9");
  CHECK(view(core, "9")["t"] == "created offline");
  // Sent once the client is online, against the new database.
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  CHECK(sent(on)[0]["kind"] == "create");
}

TEST_CASE("resync: under client-wins a pending update of a removed entity re-creates it") {
  SyncCore core = makeClient({{"strategy", "client-wins"}});
  server(core, kOldDatabase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "2"}, {"patch", {{"t", "mine"}}}});
  begin(core);
  finish(core, 0, "epoch-2");
  CHECK(view(core, "2")["t"] == "mine");
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  CHECK(sent(on)[0]["kind"] == "create");
  CHECK(sent(on)[0]["data"] == json({{"id", "2"}, {"t", "mine"}}));
}

TEST_CASE("resync: a restart mid-way resyncs again from 0 and never takes the half state as synced") {
  PersistedRecords storage;
  SyncCore core = makeClient();
  storage.apply(server(core, kOldDatabase));
  storage.apply(begin(core));
  storage.apply(server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","t":"new"}}],"cursor":5})"));
  // The connection is lost here, then the app restarts.
  SyncCore back = reopen(storage, json::object(), "other");
  CHECK(back.resyncing());  // the shim sees an unfinished resync and starts it over
  CHECK(back.epoch().empty());
  CHECK(versionOf(back, "1") == 2);
  CHECK(view(back, "2") != nullptr);  // nothing removed on half the data
  storage.apply(begin(back));
  storage.apply(server(back, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","t":"new"}}],"cursor":5})"));
  storage.apply(finish(back, 5, "epoch-2"));
  SyncCore again = reopen(storage, json::object(), "other");
  CHECK_FALSE(again.resyncing());
  CHECK(again.cursor() == 5);
  CHECK(again.epoch() == "epoch-2");
  CHECK(view(again, "2") == nullptr);
  CHECK(view(again, "1")["t"] == "new");
}

TEST_CASE("resync: finish without begin is refused and changes nothing") {
  SyncCore core = makeClient();
  server(core, kOldDatabase);
  Commit c;
  CHECK_FALSE(core.finishResync(0, "e", 1000, c).isOk());
  CHECK(core.cursor() == 50);
  CHECK(view(core, "2") != nullptr);
}
}  // namespace test_resync
