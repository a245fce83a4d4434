// The outbox as the core drives it: effects order, keys, lanes, coalescing, retries, error classes.
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_sync_outbox {

using namespace synctest;

namespace {
json create(const std::string& id, json data = json::object(), const char* priority = nullptr) {
  json r = {{"collection", "todos"}, {"op", "create"}, {"id", id}, {"data", std::move(data)}};
  if (priority != nullptr) r["priority"] = priority;
  return r;
}
}  // namespace

TEST_CASE("sync_outbox: a mutation is persisted before it is sent, in the same commit") {
  SyncCore core = makeClient();
  goOnline(core);
  Commit c;
  mutate(core, create("a", {{"t", 1}}), 1000, &c);
  REQUIRE(c.effects.size() >= 2);
  const std::vector<json> effects = toJsonList(c.effects);
  CHECK(effects[0]["type"] == "persist");
  CHECK(effects[1]["type"] == "send");
  bool outboxRecord = false;
  for (const json& r : effects[0]["put"]) outboxRecord = outboxRecord || r["store"] == "outbox";
  CHECK(outboxRecord);
  const json& m = effects[1]["mutations"][0];
  CHECK(m["key"].get<std::string>().rfind("c1:", 0) == 0);  // idempotency key: client id + sequence
  CHECK(m["collection"] == "todos");
  CHECK(m["kind"] == "create");
}

TEST_CASE("sync_outbox: offline mutations wait; reconnect sends them, lanes first") {
  SyncCore core = makeClient();
  core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"batchSize", 10}});
  mutate(core, create("low", json::object(), "low"));
  mutate(core, create("normal"));
  mutate(core, create("critical", json::object(), "critical"));
  mutate(core, create("high", json::object(), "high"));
  CHECK(core.pendingMutations().size() == 4);
  Commit on = goOnline(core);
  auto out = sent(on);
  REQUIRE(out.size() == 4);
  std::vector<std::string> order;
  for (const json& m : out) order.push_back(m["id"]);
  CHECK(order == std::vector<std::string>{"critical", "high", "normal", "low"});
}

TEST_CASE("sync_outbox: lanes never reorder mutations of one entity") {
  SyncCore core = makeClient();
  mutate(core, create("a"));
  Commit on = goOnline(core);
  auto first = sent(on);
  REQUIRE(first.size() == 1);
  // while the create is in flight, a critical update of the same entity must wait for it
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"x", 1}}}, {"priority", "critical"}}, 1000, &c);
  CHECK(sent(c).empty());
  Commit a = server(core, json::array({{{"op", "ack"}, {"key", first[0]["key"]}, {"version", 1}}}));
  auto next = sent(a);
  REQUIRE(next.size() == 1);
  CHECK(next[0]["kind"] == "update");
  CHECK(next[0]["baseVersion"] == 1);
}

TEST_CASE("sync_outbox: edits not yet sent coalesce; a create then delete cancels out") {
  SyncCore core = makeClient();
  std::string m1 = mutate(core, create("a", {{"n", 1}}));
  std::string m2 = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 2}}}});
  auto pending = core.pendingMutations();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["data"]["n"] == 2);
  CHECK(pending[0]["mutationIds"] == json::array({m1, m2}));
  Commit c;
  std::string m3 = mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", "a"}}, 1000, &c);
  CHECK(core.pendingMutations().empty());
  auto cancelled = settled(c, "cancelled");
  REQUIRE(cancelled.size() == 1);
  CHECK(cancelled[0]["mutationIds"] == json::array({m1, m2, m3}));
  CHECK(view(core, "a").is_null());
  CHECK(sent(goOnline(core)).empty());
}

TEST_CASE("sync_outbox: batches respect batchSize and the in-flight bound") {
  SyncCore core = makeClient();
  core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"batchSize", 2}, {"maxInFlightBatches", 1}});
  for (int i = 0; i < 5; ++i) mutate(core, create("e" + std::to_string(i)));
  Commit on = goOnline(core);
  auto sends = effectsOf(on, "send");
  REQUIRE(sends.size() == 1);
  CHECK(sends[0]["mutations"].size() == 2);
  json acks = json::array();
  for (const json& m : sends[0]["mutations"]) acks.push_back({{"op", "ack"}, {"key", m["key"]}, {"version", 1}});
  Commit a = server(core, acks);
  CHECK(effectsOf(a, "send").size() == 1);
  CHECK(core.pendingMutations().size() == 3);
}

TEST_CASE("sync_outbox: transient failures back off with a wake effect, reset on reconnect") {
  SyncCore core = makeClient();
  mutate(core, create("a"));
  Commit on = goOnline(core, 1000);
  const std::string key = sent(on)[0]["key"];
  Commit r = server(core, json::array({{{"op", "reject"}, {"key", key}, {"class", "transient"}, {"message", "503"}}}), 1000);
  CHECK(sent(r).empty());
  auto wake = effectsOf(r, "wake");
  REQUIRE(wake.size() == 1);
  const std::int64_t at = wake[0]["at"];
  CHECK(at >= 1000);
  CHECK(at <= 1000 + 1000);  // first retry: full jitter within [0, 1 s]
  Commit early;
  REQUIRE(core.tick(at - 1 >= 1000 ? at - 1 : 1000, early).isOk());
  if (at > 1000) CHECK(sent(early).empty());
  Commit later;
  REQUIRE(core.tick(at, later).isOk());
  auto resent = sent(later);
  REQUIRE(resent.size() == 1);
  CHECK(resent[0]["key"] == key);  // same key: the server dedups a retry
  // a reconnect resets the backoff: everything queued goes at once
  server(core, json::array({{{"op", "reject"}, {"key", key}, {"class", "transient"}}}), at);
  Commit off;
  REQUIRE(core.setOnline(false, at, off).isOk());
  Commit back = goOnline(core, at);
  CHECK(sent(back).size() == 1);
}

TEST_CASE("sync_outbox: after maxRetries a mutation is a dead letter, never dropped") {
  SyncCore core = makeClient();
  core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"maxRetries", 2}, {"backoffBaseMs", 10}, {"backoffMaxMs", 10}});
  std::string m = mutate(core, create("a"));
  std::int64_t now = 1000;
  Commit c = goOnline(core, now);
  std::vector<json> deadEvents;
  for (int round = 0; round < 5 && core.deadLetters().empty(); ++round) {
    auto out = sent(c);
    REQUIRE(out.size() == 1);
    Commit r = server(core, json::array({{{"op", "reject"}, {"key", out[0]["key"]}, {"class", "transient"}, {"message", "timeout"}}}), now);
    for (auto& e : settled(r, "dead-letter")) deadEvents.push_back(e);
    now += 20;
    c = Commit();
    REQUIRE(core.tick(now, c).isOk());
  }
  REQUIRE(core.deadLetters().size() == 1);
  REQUIRE(deadEvents.size() == 1);
  CHECK(deadEvents[0]["mutationIds"][0] == m);
  CHECK(view(core, "a").is_null());  // rolled back from the view
  const std::uint64_t seq = core.deadLetters()[0]["seq"];

  // edit, then the retry goes out with a fresh key
  Commit e;
  REQUIRE(core.editDeadLetter(seq, {{"id", "a"}, {"fixed", true}}, now, e).isOk());
  CHECK(view(core, "a")["fixed"] == true);
  auto out = sent(e);
  REQUIRE(out.size() == 1);
  CHECK(out[0]["data"]["fixed"] == true);
  Commit wrong;
  CHECK(core.retryDeadLetter(999, now, wrong).code == syncore::ErrorCode::NotFound);
  CHECK(core.discardDeadLetter(999, now, wrong).code == syncore::ErrorCode::NotFound);
}

TEST_CASE("sync_outbox: validation errors dead-letter at once; discard removes them") {
  SyncCore core = makeClient();
  mutate(core, create("a"));
  Commit on = goOnline(core);
  server(core, json::array({{{"op", "reject"}, {"key", sent(on)[0]["key"]}, {"class", "validation"}, {"message", "title required"}}}));
  REQUIRE(core.deadLetters().size() == 1);
  CHECK(core.deadLetters()[0]["errorClass"] == "validation");
  const std::uint64_t seq = core.deadLetters()[0]["seq"];
  Commit retry;
  REQUIRE(core.retryDeadLetter(seq, 1000, retry).isOk());
  CHECK(view(core, "a").is_object());
  CHECK(sent(retry).size() == 1);
  server(core, json::array({{{"op", "reject"}, {"key", sent(retry)[0]["key"]}, {"class", "validation"}, {"message", "still"}}}));
  Commit d;
  REQUIRE(core.discardDeadLetter(seq, 1000, d).isOk());
  CHECK(core.deadLetters().empty());
  CHECK(core.pendingMutations().empty());
}

TEST_CASE("sync_outbox: auth errors pause the whole queue until resumed") {
  SyncCore core = makeClient();
  mutate(core, create("a"));
  mutate(core, create("b"));
  CHECK(core.configureClient({{"clientId", "c2"}}).code == syncore::ErrorCode::InvalidArgument);  // mutations exist
  Commit on = goOnline(core);
  auto out = sent(on);
  REQUIRE(out.size() == 2);
  Commit r = server(core, json::array({{{"op", "reject"}, {"key", out[0]["key"]}, {"class", "auth"}, {"message", "token expired"}}}));
  bool authRequired = false;
  for (const json& e : toJsonList(r.events)) authRequired = authRequired || e["type"] == "auth-required";
  CHECK(authRequired);
  mutate(core, create("c"));
  Commit t;
  REQUIRE(core.tick(5000, t).isOk());
  CHECK(sent(t).empty());  // paused
  CHECK(core.deadLetters().empty());  // nothing lost
  Commit resumed;
  REQUIRE(core.resumeQueue(5000, resumed).isOk());
  CHECK_FALSE(sent(resumed).empty());
}

TEST_CASE("sync_outbox: storage errors retry without counting, state stays consistent") {
  SyncCore core = makeClient();
  mutate(core, create("a"));
  Commit on = goOnline(core);
  Commit r = server(core, json::array({{{"op", "reject"}, {"key", sent(on)[0]["key"]}, {"class", "storage"}, {"message", "disk full"}}}));
  CHECK(core.deadLetters().empty());
  CHECK(core.pendingMutations().size() == 1);
  CHECK(view(core, "a").is_object());
}

TEST_CASE("sync_outbox: a timed-out batch is retried under the same keys") {
  SyncCore core = makeClient();
  mutate(core, create("a"));
  Commit on = goOnline(core);
  auto sends = effectsOf(on, "send");
  REQUIRE(sends.size() == 1);
  Commit t;
  REQUIRE(core.batchTimedOut(sends[0]["batch"], 1000, t).isOk());
  auto wake = effectsOf(t, "wake");
  REQUIRE(wake.size() == 1);
  Commit later;
  REQUIRE(core.tick(wake[0]["at"], later).isOk());
  auto again = sent(later);
  REQUIRE(again.size() == 1);
  CHECK(again[0]["key"] == sends[0]["mutations"][0]["key"]);
}
}  // namespace test_sync_outbox
