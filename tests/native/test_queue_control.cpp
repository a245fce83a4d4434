// A queue the user controls (docs/queue_control.md): cancel, clearQueue, per-mutation maxRetries,
// expireAfterMs and the critical lane, through the core's API.

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_queue_control {

using namespace synctest;
using syncore::ErrorCode;

namespace {

json patch(const std::string& id, json p, json extra = json::object()) {
  json r = {{"collection", "todos"}, {"op", "update"}, {"id", id}, {"patch", std::move(p)}};
  for (auto& [k, v] : extra.items()) r[k] = v;
  return r;
}

json create(const std::string& id, json data, json extra = json::object()) {
  json r = {{"collection", "todos"}, {"op", "create"}, {"id", id}, {"data", std::move(data)}};
  for (auto& [k, v] : extra.items()) r[k] = v;
  return r;
}

// A core with todo "1" confirmed at version 1 as {t: "server"}.
SyncCore withConfirmed(json config = json::object()) {
  SyncCore core = makeClient();
  json base = {{"clientId", "c1"}, {"seed", 7}, {"persist", true}};
  for (auto& [k, v] : config.items()) base[k] = v;
  REQUIRE(core.configureClient(base).isOk());
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","t":"server"}},
                   {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2","t":"server"}}])");
  return core;
}

std::vector<std::string> ids(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& e : events)
    for (const json& id : e["mutationIds"]) out.push_back(id);
  return out;
}

}  // namespace

TEST_CASE("queue_control: cancel rolls a queued update back, settles it cancelled, and never sends it") {
  SyncCore core = withConfirmed();
  const std::string m = mutate(core, patch("1", {{"t", "mine"}}));
  CHECK(view(core, "1")["t"] == "mine");
  Commit c;
  std::vector<std::string> cancelled;
  REQUIRE(core.cancelMutation(m, 2000, c, cancelled).isOk());
  CHECK(cancelled == std::vector<std::string>{m});
  CHECK(view(core, "1")["t"] == "server");
  CHECK(ids(settled(c, "cancelled")) == std::vector<std::string>{m});
  CHECK(c.changes.collections["todos"].updated == std::vector<std::string>{"1"});  // subscribers told
  CHECK(core.pendingMutations().empty());
  CHECK(sent(goOnline(core, 2000)).empty());
  // twice: it is gone
  Commit again;
  CHECK(core.cancelMutation(m, 2000, again, cancelled).code == ErrorCode::NotFound);
}

TEST_CASE("queue_control: a mutation handed to the server cannot be cancelled, and nothing changes") {
  SyncCore core = withConfirmed();
  const std::string m = mutate(core, patch("1", {{"t", "mine"}}));
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  Commit c;
  std::vector<std::string> cancelled;
  CHECK(core.cancelMutation(m, 1000, c, cancelled).code == ErrorCode::AlreadySent);
  CHECK(cancelled.empty());
  CHECK(view(core, "1")["t"] == "mine");
  CHECK(core.pendingMutations().size() == 1);
  // Landed back by a disconnect it is still refused: the server may have applied it.
  Commit off;
  REQUIRE(core.setOnline(false, 1000, off).isOk());
  CHECK(core.cancelMutation(m, 1000, c, cancelled).code == ErrorCode::AlreadySent);
  CHECK(core.pendingMutations().size() == 1);
}

TEST_CASE("queue_control: cancelling an update keeps the later updates, re-applied without it") {
  SyncCore core = withConfirmed();
  // Different queue options keep the two in separate entries (no coalescing).
  const std::string first = mutate(core, patch("1", {{"t", "first"}, {"a", 1}}));
  const std::string second = mutate(core, patch("1", {{"b", 2}}, {{"maxRetries", 3}}));
  REQUIRE(core.pendingMutations().size() == 2);
  Commit c;
  std::vector<std::string> cancelled;
  REQUIRE(core.cancelMutation(first, 1000, c, cancelled).isOk());
  CHECK(cancelled == std::vector<std::string>{first});
  const json v = view(core, "1");
  CHECK(v["t"] == "server");
  CHECK(v.find("a") == v.end());
  CHECK(v["b"] == 2);
  REQUIRE(core.pendingMutations().size() == 1);
  CHECK(core.pendingMutations()[0]["mutationIds"][0] == second);
}

TEST_CASE("queue_control: cancelling a create takes the entity's later mutations with it") {
  SyncCore core = withConfirmed();
  const std::string made = mutate(core, create("n", {{"t", "new"}}));
  const std::string edit = mutate(core, patch("n", {{"t", "edited"}}, {{"maxRetries", 1}}));
  const std::string other = mutate(core, patch("1", {{"t", "other"}}));
  Commit c;
  std::vector<std::string> cancelled;
  REQUIRE(core.cancelMutation(made, 1000, c, cancelled).isOk());
  CHECK(cancelled == std::vector<std::string>{made, edit});
  CHECK(view(core, "n").is_null());
  CHECK(c.changes.collections["todos"].deleted == std::vector<std::string>{"n"});
  CHECK(view(core, "1")["t"] == "other");  // another entity is untouched
  REQUIRE(core.pendingMutations().size() == 1);
  CHECK(core.pendingMutations()[0]["mutationIds"][0] == other);
}

TEST_CASE("queue_control: clearQueue takes back everything unsent and keeps what is in flight") {
  SyncCore core = withConfirmed({{"maxInFlightBatches", 1}, {"batchSize", 1}});
  Commit on = goOnline(core);
  const std::string flying = mutate(core, patch("1", {{"t", "flying"}}));
  const std::string later = mutate(core, patch("1", {{"t", "later"}}));
  const std::string made = mutate(core, create("n", {{"t", "new"}}));
  const std::string two = mutate(core, patch("2", {{"t", "two"}}));
  REQUIRE(core.pendingMutations().size() == 4);
  Commit c;
  std::vector<std::string> cancelled;
  REQUIRE(core.clearQueue(1000, c, cancelled).isOk());
  CHECK(cancelled == std::vector<std::string>{later, made, two});
  CHECK(ids(settled(c, "cancelled")) == cancelled);
  REQUIRE(core.pendingMutations().size() == 1);
  CHECK(core.pendingMutations()[0]["mutationIds"][0] == flying);
  CHECK(view(core, "1")["t"] == "flying");  // in flight: still shown until the server answers
  CHECK(view(core, "2")["t"] == "server");
  CHECK(view(core, "n").is_null());
  CHECK(core.counts().pending == 1);
}

TEST_CASE("queue_control: a mutation's own maxRetries dead-letters it before the client's limit") {
  SyncCore core = withConfirmed({{"maxRetries", 10}, {"backoffBaseMs", 10}, {"backoffMaxMs", 10}});
  const std::string m = mutate(core, patch("1", {{"t", "mine"}}, {{"maxRetries", 1}}));
  std::int64_t now = 1000;
  Commit c = goOnline(core, now);
  int attempts = 0;
  std::vector<json> dead;
  for (int round = 0; round < 6 && core.deadLetters().empty(); ++round) {
    auto out = sent(c);
    REQUIRE(out.size() == 1);
    ++attempts;
    Commit r = server(core, json::array({{{"op", "reject"}, {"key", out[0]["key"]}, {"class", "transient"}, {"message", "503"}}}), now);
    for (auto& e : settled(r, "dead-letter")) dead.push_back(e);
    now += 20;
    c = Commit();
    REQUIRE(core.tick(now, c).isOk());
  }
  CHECK(attempts == 2);  // the first attempt and one retry
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["mutationIds"][0] == m);
  CHECK(view(core, "1")["t"] == "server");
  Commit bad;
  std::string id;
  CHECK(core.mutate(patch("1", {{"t", "x"}}, {{"maxRetries", -1}}), now, bad, id).code == ErrorCode::WrongType);
  CHECK(core.mutate(patch("1", {{"t", "x"}}, {{"expireAfterMs", 0}}), now, bad, id).code == ErrorCode::WrongType);
}

TEST_CASE("queue_control: a mutation that waited past expireAfterMs is an expired dead letter, never sent") {
  SyncCore core = withConfirmed();
  Commit c;
  const std::string m = mutate(core, patch("1", {{"t", "stale"}}, {{"expireAfterMs", 500}}), 1000, &c);
  auto wakes = effectsOf(c, "wake");
  REQUIRE(wakes.size() == 1);
  CHECK(wakes[0]["at"] == 1500);  // the shim wakes the core at the deadline, online or not
  Commit early;
  REQUIRE(core.tick(1499, early).isOk());
  CHECK(core.deadLetters().empty());
  Commit due;
  REQUIRE(core.tick(1500, due).isOk());
  auto dead = settled(due, "dead-letter");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["mutationIds"][0] == m);
  CHECK(dead[0]["errorClass"] == "expired");
  CHECK(dead[0]["message"].get<std::string>().rfind("EXPIRED", 0) == 0);
  REQUIRE(core.deadLetters().size() == 1);
  CHECK(core.deadLetters()[0]["errorClass"] == "expired");
  CHECK(view(core, "1")["t"] == "server");
  CHECK(sent(goOnline(core, 1600)).empty());
  // Retried by the app, it goes out and does not expire again.
  Commit retry;
  REQUIRE(core.retryDeadLetter(core.deadLetters()[0]["seq"], 1700, retry).isOk());
  CHECK(sent(retry).size() == 1);
}

TEST_CASE("queue_control: an entry in flight at its deadline waits for its answer") {
  SyncCore core = withConfirmed();
  mutate(core, patch("1", {{"t", "x"}}, {{"expireAfterMs", 100}}), 1000);
  Commit on = goOnline(core, 1000);
  auto out = sent(on);
  REQUIRE(out.size() == 1);
  Commit later;
  REQUIRE(core.tick(5000, later).isOk());
  CHECK(core.deadLetters().empty());
  Commit ack = server(core, json::array({{{"op", "ack"}, {"key", out[0]["key"]}, {"version", 2}}}), 5000);
  CHECK(settled(ack, "acked").size() == 1);
}

TEST_CASE("queue_control: options, expiry and cancellations survive a restart") {
  PersistedRecords records;
  SyncCore core = withConfirmed();
  Commit c;
  records.apply(server(core, R"([{"op":"upsert","collection":"todos","id":"3","version":1,"data":{"id":"3"}}])"));
  const std::string expiring = mutate(core, patch("1", {{"t", "stale"}}, {{"expireAfterMs", 500}}), 1000, &c);
  records.apply(c);
  c = Commit();
  const std::string limited = mutate(core, patch("2", {{"t", "two"}}, {{"maxRetries", 0}}), 1000, &c);
  records.apply(c);
  c = Commit();
  const std::string gone = mutate(core, patch("3", {{"t", "three"}}), 1000, &c);
  records.apply(c);
  c = Commit();
  std::vector<std::string> cancelled;
  REQUIRE(core.cancelMutation(gone, 1000, c, cancelled).isOk());
  records.apply(c);

  SyncCore back = reopen(records);
  REQUIRE(back.pendingMutations().size() == 2);  // the cancelled one stays cancelled
  Commit due;
  REQUIRE(back.tick(1500, due).isOk());  // the deadline came back with it
  records.apply(due);
  REQUIRE(settled(due, "dead-letter").size() == 1);
  CHECK(settled(due, "dead-letter")[0]["mutationIds"][0] == expiring);
  Commit on = goOnline(back, 1500);
  records.apply(on);
  auto out = sent(on);
  REQUIRE(out.size() == 1);
  Commit r = server(back, json::array({{{"op", "reject"}, {"key", out[0]["key"]}, {"class", "transient"}}}), 1500);
  records.apply(r);
  REQUIRE(settled(r, "dead-letter").size() == 1);  // maxRetries 0 came back with it
  CHECK(settled(r, "dead-letter")[0]["mutationIds"][0] == limited);

  SyncCore third = reopen(records);
  REQUIRE(third.deadLetters().size() == 2);
  CHECK(third.deadLetters()[0]["errorClass"] == "expired");
  const json three = view(third, "3");
  REQUIRE(three.is_object());
  CHECK(three.find("t") == three.end());  // the cancelled edit did not come back
}

TEST_CASE("queue_control: critical goes out at once even while the normal batches fill the pipe") {
  SyncCore core = withConfirmed({{"maxInFlightBatches", 1}});
  goOnline(core);
  Commit normal;
  mutate(core, patch("1", {{"t", "normal"}}), 1000, &normal);
  REQUIRE(sent(normal).size() == 1);  // the only batch slot is taken
  Commit waiting;
  mutate(core, create("n", {{"t", "waits"}}), 1000, &waiting);
  CHECK(sent(waiting).empty());
  Commit c;
  mutate(core, patch("2", {{"t", "urgent"}}, {{"priority", "critical"}}), 1000, &c);
  auto sends = effectsOf(c, "send");
  REQUIRE(sends.size() == 1);
  CHECK(sends[0]["critical"] == true);  // the shim does not hold it back for a group commit
  REQUIRE(sends[0]["mutations"].size() == 1);  // a batch of its own: the normal one still waits
  CHECK(sends[0]["mutations"][0]["id"] == "2");
}

TEST_CASE("queue_control: critical never overtakes an earlier mutation of its entity") {
  SyncCore core = withConfirmed({{"maxInFlightBatches", 1}, {"batchSize", 1}});
  goOnline(core);
  Commit busy;
  mutate(core, patch("2", {{"t", "busy"}}), 1000, &busy);  // takes the slot
  REQUIRE(sent(busy).size() == 1);
  // Queued behind, and kept apart from what follows by its own options.
  mutate(core, patch("1", {{"t", "first"}}, {{"maxRetries", 2}}));
  Commit c;
  mutate(core, patch("1", {{"u", 1}}, {{"priority", "critical"}}), 1000, &c);
  auto out = sent(c);
  REQUIRE(out.size() == 1);
  CHECK(out[0]["data"] == json({{"t", "first"}}));  // the earlier one goes first, lifted to critical
  CHECK(core.pendingMutations()[1]["priority"] == "critical");
  Commit ack = server(core, json::array({{{"op", "ack"}, {"key", out[0]["key"]}, {"version", 2}}}));
  auto next = sent(ack);
  REQUIRE(next.size() == 1);
  CHECK(next[0]["data"] == json({{"u", 1}}));
}
}  // namespace test_queue_control
