// Clock skew: clients an hour behind, an hour ahead and at 2099 against the model server, which
// stores each write's timestamp clamped to its own now + 60 s (as docs/protocol.md asks of a
// server). Last-write-wins must stay sane: nobody's clock is dragged into the future, a write
// from 2099 does not win every later conflict, and everyone converges.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "sim/model_server.hpp"
#include "sync/sync_core.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_clock_skew {

namespace {

using syncore::Commit;
using syncore::Effect;
using syncore::EffectKind;
using syncore::json;
using syncore::SyncCore;

constexpr std::int64_t kT = 1'700'000'000'000;      // virtual "real" time: 2023-11-14
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t k2099 = 4'070'908'800'000;   // 2099-01-01
constexpr std::int64_t kDrift = 60'000;             // the cores' maxClockDriftMs, and the server's

struct Client {
  std::string id;
  std::int64_t skew;  // its wall clock minus real time
  SyncCore core;
  std::int64_t wall(std::int64_t now) const { return now + skew; }
};

Client makeClient(const std::string& id, std::int64_t skew) {
  Client c{id, skew, SyncCore()};
  REQUIRE(c.core.defineCollection("notes", {{"strategy", "last-write-wins"}}).isOk());
  REQUIRE(c.core.configureClient({{"clientId", id}, {"seed", 1}, {"maxClockDriftMs", kDrift}}).isOk());
  return c;
}

std::int64_t hlcWall(const SyncCore& core) {
  for (const json& r : core.exportRecords())
    if (r["store"] == "meta") return r["value"]["clock"]["wall"].get<std::int64_t>();
  FAIL("no meta record");
  return 0;
}

struct World {
  sim::ModelServer server;
  syncore::Prng rng{1};
  std::vector<Client*> clients;
  std::int64_t now = kT;
  std::map<std::string, std::vector<Effect>> unsent;  // send effects of mutations made online

  World() {
    server.defineCollection("notes");
    server.maxDriftMs = kDrift;
  }

  // Every client's clock stays within its drift of its own wall clock.
  void checkClocks() {
    for (Client* c : clients) {
      INFO(c->id << " clock " << hlcWall(c->core) << " wall " << c->wall(now));
      CHECK(hlcWall(c->core) <= c->wall(now) + kDrift);
    }
  }

  void deliver(Client& to, const json& ops) {
    Commit commit;
    syncore::Status s = to.core.applyServer({{"ops", ops}}, to.wall(now), commit);
    INFO(s.message);
    REQUIRE(s.isOk());
    checkClocks();
  }

  // The client pushes what it has (until nothing is left to send); the server answers and, if
  // fanOut, every other client gets the applied changes.
  void sync(Client& c, bool fanOut = true) {
    Commit commit;
    REQUIRE(c.core.setOnline(true, c.wall(now), commit).isOk());
    commit.effects.insert(commit.effects.begin(), unsent[c.id].begin(), unsent[c.id].end());
    unsent[c.id].clear();
    for (int round = 0; round < 10; ++round) {
      json mutations = json::array();
      for (const json& e : toJsonList(commit.effects))
        if (e["type"] == "send")
          for (const json& m : e["mutations"]) mutations.push_back(m);
      if (mutations.empty()) break;
      server.now = now;
      sim::ModelServer::PushResult r = server.push(c.id, mutations, rng, sim::ModelServer::Faults{});
      REQUIRE(server.violations.empty());
      commit = Commit();
      syncore::Status s = c.core.applyServer(r.answers, c.wall(now), commit);
      INFO(s.message);
      REQUIRE(s.isOk());
      checkClocks();
      if (fanOut)
        for (Client* other : clients)
          if (other != &c) deliver(*other, r.feed);
      now += 100;
    }
  }

  void mutate(Client& c, const json& request) {
    Commit commit;
    std::string mid;
    REQUIRE(c.core.mutate(request, c.wall(now), commit, mid).isOk());
    for (const Effect& e : commit.effects)  // an online client sends at once: the next sync carries it
      if (e.kind == EffectKind::Send) unsent[c.id].push_back(e);
  }

  void offline(Client& c) {
    Commit commit;
    REQUIRE(c.core.setOnline(false, c.wall(now), commit).isOk());
  }
};

json noteOf(const SyncCore& core) {
  syncore::EntityRef e;
  REQUIRE(core.get("notes", "n1", e).isOk());
  return e != nullptr ? *e : json(nullptr);
}

}  // namespace

TEST_CASE("clock skew: a write from 2099 is clamped on receipt, drags no clock, and loses to a later concurrent edit") {
  World w;
  Client behind = makeClient("behind", -kHour);
  Client ahead = makeClient("ahead", kHour);
  Client future = makeClient("z2099", k2099 - kT);
  w.clients = {&behind, &ahead, &future};

  w.mutate(behind, {{"collection", "notes"}, {"op", "create"}, {"data", {{"id", "n1"}, {"text", "v1"}}}});
  w.sync(behind);
  for (Client* c : w.clients) CHECK(noteOf(c->core)["text"] == "v1");

  // "ahead" goes offline and edits, not having seen what comes next.
  w.offline(ahead);
  w.now += 1000;
  w.mutate(ahead, {{"collection", "notes"}, {"op", "update"}, {"id", "n1"}, {"patch", {{"text", "ahead, offline"}}}});

  // The 2099 client writes: its own stamp says 2099 ...
  w.now += 1000;
  w.mutate(future, {{"collection", "notes"}, {"op", "update"}, {"id", "n1"}, {"patch", {{"text", "from 2099"}}}});
  const std::int64_t written = w.now;
  w.sync(future, /*fanOut=*/false);
  // ... the server stores it at its own now + drift ...
  const json& stored = w.server.store["notes"]["n1"].ts;
  CHECK(stored["node"] == "z2099");
  CHECK(stored["wall"].get<std::int64_t>() == written + kDrift);
  CHECK(w.server.clampedTs == 1);
  // ... and the feed moves nobody's clock near 2099 (checkClocks runs on every delivery).
  w.deliver(behind, w.server.catchUp(1, false));
  CHECK(noteOf(behind.core)["text"] == "from 2099");
  CHECK(hlcWall(behind.core) <= behind.wall(w.now) + kDrift);
  CHECK(hlcWall(behind.core) < kT);  // an hour behind, and still so: not dragged to the server's time either

  // Ten minutes later "ahead" comes back: its edit meets the 2099 write in a conflict and, being
  // later than the clamped stamp, wins it. Without the server's clamp, 2099 would win every such
  // conflict for as long as it stays the entity's last write.
  w.now += 10 * 60'000;
  w.sync(ahead);
  CHECK(w.server.conflicts >= 1);
  CHECK(w.server.store["notes"]["n1"].data["text"] == "ahead, offline");
  // The +1 h stamp of that write is clamped by the server too.
  CHECK(w.server.store["notes"]["n1"].ts["wall"].get<std::int64_t>() <= w.now + kDrift);

  // Everyone converges on the server's state; every clock stays bounded.
  w.deliver(future, w.server.catchUp(0, true));
  w.deliver(behind, w.server.catchUp(0, true));
  for (Client* c : w.clients) {
    INFO(c->id);
    json mine;
    REQUIRE(c->core.list("notes", mine).isOk());
    CHECK(mine == w.server.liveList("notes"));
    CHECK(c->core.pendingMutations().empty());
  }
  w.checkClocks();
}

TEST_CASE("clock skew: a client an hour behind still orders its edits after what it has seen") {
  World w;
  Client behind = makeClient("behind", -kHour);
  Client normal = makeClient("normal", 0);
  w.clients = {&behind, &normal};
  w.mutate(normal, {{"collection", "notes"}, {"op", "create"}, {"data", {{"id", "n1"}, {"text", "v1"}}}});
  w.sync(normal);
  w.now += 1000;
  w.mutate(normal, {{"collection", "notes"}, {"op", "update"}, {"id", "n1"}, {"patch", {{"text", "normal"}}}});
  w.sync(normal);
  CHECK(noteOf(behind.core)["text"] == "normal");
  // Its next edit carries a stamp after the (clamped) one it received, though its wall clock is
  // an hour earlier; it is based on the current version, so it applies without a conflict.
  const std::int64_t received = hlcWall(behind.core);  // normal's stamp, clamped to behind's wall + drift
  CHECK(received <= behind.wall(w.now) + kDrift);
  CHECK(received > behind.wall(w.now));  // moved forward by what it saw, an hour short of it
  w.now += 1000;
  w.mutate(behind, {{"collection", "notes"}, {"op", "update"}, {"id", "n1"}, {"patch", {{"text", "behind"}}}});
  const json pending = behind.core.pendingMutations();
  REQUIRE(pending.size() == 1);
  w.sync(behind);
  CHECK(w.server.conflicts == 0);
  CHECK(w.server.store["notes"]["n1"].data["text"] == "behind");
  CHECK(noteOf(normal.core)["text"] == "behind");
  // its own stamp comes after the clamped one it received, not at its (earlier) wall clock
  const json& mine = w.server.store["notes"]["n1"].ts;
  CHECK(mine["node"] == "behind");
  CHECK(mine["wall"].get<std::int64_t>() >= received);
  CHECK(mine["wall"].get<std::int64_t>() > behind.wall(w.now) - 1000);
  w.checkClocks();
}

TEST_CASE("clock skew: a conflict answer stamped 2099 by a server that does not clamp still cannot move our clock") {
  World w;
  Client normal = makeClient("normal", 0);
  w.clients = {&normal};
  w.deliver(normal, json::array({{{"op", "upsert"}, {"collection", "notes"}, {"id", "n1"}, {"version", 1},
                                  {"data", {{"id", "n1"}, {"text", "v1"}}}}}));
  w.mutate(normal, {{"collection", "notes"}, {"op", "update"}, {"id", "n1"}, {"patch", {{"text", "mine"}}}});
  Commit commit;
  REQUIRE(normal.core.setOnline(true, normal.wall(w.now), commit).isOk());
  std::string key;
  for (const json& e : toJsonList(commit.effects))
    if (e["type"] == "send") key = e["mutations"][0]["key"].get<std::string>();
  REQUIRE_FALSE(key.empty());
  json answer = json::array({{{"op", "conflict"}, {"key", key}, {"version", 2},
                              {"data", {{"id", "n1"}, {"text", "from 2099"}}},
                              {"ts", {{"wall", k2099}, {"counter", 0}, {"node", "z"}}}}});
  Commit c2;
  REQUIRE(normal.core.applyServer(answer, normal.wall(w.now), c2).isOk());
  CHECK(hlcWall(normal.core) <= normal.wall(w.now) + kDrift);
  // A restart resumes the bounded clock, not 2099.
  SyncCore restarted;
  REQUIRE(restarted.defineCollection("notes", {{"strategy", "last-write-wins"}}).isOk());
  REQUIRE(restarted.configureClient({{"clientId", "normal"}, {"seed", 1}, {"maxClockDriftMs", kDrift}}).isOk());
  Commit c3;
  REQUIRE(restarted.restore(normal.core.exportRecords(), c3).isOk());
  CHECK(hlcWall(restarted) <= normal.wall(w.now) + kDrift);
}
}  // namespace test_clock_skew
