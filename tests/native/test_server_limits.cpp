// The server's limits (its welcome) in the core (issue 12, item 9): pushes cut by count and bytes,
// an entry alone over the byte limit a dead letter (too-large) rather than a batch refused forever,
// and create / update refused up front once the limits are known.
#include "sync/outbox.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_server_limits {

using namespace synctest;

namespace {

syncore::OutboxMutation creation(const std::string& id, std::size_t bytes) {
  syncore::OutboxMutation m;
  m.mutationId = "m-" + id;
  m.collection = "todos";
  m.entityId = id;
  m.kind = syncore::MutationKind::Create;
  m.payload = {{"id", id}, {"body", std::string(bytes, 'x')}};
  return m;
}

std::size_t payloadBytes(const syncore::OutboxEntry& e) { return e.payload.dump().size(); }

std::size_t sentBytes(const Commit& c) {
  std::size_t most = 0;
  for (const json& e : effectsOf(c, "send")) most = std::max(most, json({{"type", "push"}, {"batch", e["batch"]}, {"mutations", e["mutations"]}}).dump().size());
  return most;
}

}  // namespace

TEST_CASE("server limits: the outbox cuts a batch by bytes and dead-letters an entry alone over the limit", "[limits]") {
  syncore::Outbox box("c1", syncore::OutboxConfig{}, 1);
  for (int i = 0; i < 5; ++i) REQUIRE(box.enqueue(creation("a" + std::to_string(i), 400)).status.isOk());
  REQUIRE(box.enqueue(creation("huge", 5000)).status.isOk());
  REQUIRE(box.enqueue(creation("b", 400)).status.isOk());
  box.setBatchLimits(0, 1000);  // two ~430-byte entries and a comma fit; a third does not
  auto first = box.takeBatch(0, payloadBytes);
  REQUIRE(first);
  CHECK(first->seqs.size() == 2);
  auto second = box.takeBatch(0, payloadBytes);
  REQUIRE(second);
  CHECK(second->seqs.size() == 2);
  CHECK_FALSE(box.takeBatch(0, payloadBytes));  // two batches in flight: the default maximum
  for (std::uint64_t seq : first->seqs) box.ack(seq);
  for (std::uint64_t seq : second->seqs) box.ack(seq);
  auto third = box.takeBatch(0, payloadBytes);  // a4, then huge (dead-lettered), then b
  REQUIRE(third);
  std::vector<std::string> ids;
  for (std::uint64_t seq : third->seqs) ids.push_back(box.find(seq)->entityId);
  CHECK(ids == std::vector<std::string>{"a4", "b"});
  auto gone = box.takeTooLarge();
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].entry.entityId == "huge");
  CHECK(gone[0].errorClass == syncore::ErrorClass::TooLarge);
  CHECK(gone[0].message.rfind("TOO_LARGE:", 0) == 0);
  REQUIRE(box.deadLetters().size() == 1);
  CHECK(box.deadLetters()[0].errorClass == syncore::ErrorClass::TooLarge);
  CHECK(box.takeTooLarge().empty());
  // Only too-large entries at the head: they go, and what follows still makes a batch.
  syncore::OutboxConfig one;
  one.batchSize = 1;
  syncore::Outbox single("c1", one, 1);
  REQUIRE(single.enqueue(creation("huge3", 5000)).status.isOk());
  REQUIRE(single.enqueue(creation("d", 10)).status.isOk());
  single.setBatchLimits(0, 1000);
  CHECK_FALSE(single.takeBatch(0, payloadBytes));  // it looked only at huge3: too large
  CHECK(single.takeTooLarge().size() == 1);
  auto after = single.takeBatch(0, payloadBytes);
  REQUIRE(after);
  REQUIRE(after->seqs.size() == 1);
  CHECK(single.find(after->seqs[0])->entityId == "d");
  CHECK(single.takeTooLarge().empty());
}

TEST_CASE("server limits: the count limit caps the batch below the configured size", "[limits]") {
  syncore::Outbox box("c1", syncore::OutboxConfig{}, 1);
  for (int i = 0; i < 20; ++i) REQUIRE(box.enqueue(creation("n" + std::to_string(i), 1)).status.isOk());
  box.setBatchLimits(7, 0);
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs.size() == 7);
}

TEST_CASE("server limits: the core sizes pushes by the welcome's limits and settles what can never go", "[limits]") {
  SyncCore core = makeClient();
  // Offline, limits unknown: everything is accepted.
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "huge"}, {"data", {{"body", std::string(20000, 'y')}}}});
  for (int i = 0; i < 6; ++i)
    mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "n" + std::to_string(i)}, {"data", {{"body", std::string(3000, 'x')}}}});
  Commit limits;
  REQUIRE(core.setServerLimits({{"maxMessageBytes", 8000}, {"maxBatchMutations", 100}, {"maxEntityBytes", 8000}}, 1000, limits).isOk());
  CHECK(effectsOf(limits, "send").empty());  // offline: nothing sent, nothing judged yet
  Commit on = goOnline(core);
  auto sends = effectsOf(on, "send");
  REQUIRE(sends.size() == 2);  // two batches in flight, each within the frame limit
  CHECK(sentBytes(on) <= 8000);
  CHECK(sends[0]["mutations"].size() == 2);
  // The huge create is settled as a dead letter in the same commit, its view rolled back.
  auto dead = settled(on, "dead-letter");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["errorClass"] == "too-large");
  CHECK(view(core, "huge").is_null());
  const auto& deleted = on.changes.collections["todos"].deleted;
  CHECK(std::find(deleted.begin(), deleted.end(), "huge") != deleted.end());
  json letters = core.deadLetters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["errorClass"] == "too-large");

  // Known limits: a change too large for one push, or an entity over maxEntityBytes, is refused.
  Commit c;
  std::string id;
  auto big = core.mutate({{"collection", "todos"}, {"op", "create"}, {"data", {{"body", std::string(9000, 'z')}}}}, 1000, c, id);
  CHECK(big.code == syncore::ErrorCode::TooLarge);
  CHECK(big.message.find("per push") != std::string::npos);
  // A patch that fits in a push but would grow the entity (3 KB) past maxEntityBytes.
  auto grown = core.mutate({{"collection", "todos"}, {"op", "update"}, {"id", "n0"}, {"patch", {{"more", std::string(6000, 'w')}}}}, 1000, c, id);
  CHECK(grown.code == syncore::ErrorCode::TooLarge);
  CHECK(grown.message.find("the entity would be") != std::string::npos);
  CHECK(view(core, "n0").count("more") == 0);
  auto fine = core.mutate({{"collection", "todos"}, {"op", "update"}, {"id", "n0"}, {"patch", {{"more", "ok"}}}}, 1000, c, id);
  CHECK(fine.isOk());
  // Bad limits are refused whole.
  Commit bad;
  CHECK(core.setServerLimits({{"maxMessageBytes", -5}}, 1000, bad).code == syncore::ErrorCode::WrongType);
  CHECK(core.setServerLimits(json::array(), 1000, bad).code == syncore::ErrorCode::WrongType);
}

TEST_CASE("server limits: a too-large create takes the edits queued behind it to the dead letters", "[limits]") {
  SyncCore core = makeClient();
  REQUIRE(core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"batchSize", 1}, {"maxInFlightBatches", 1}}).isOk());
  goOnline(core);
  Commit made;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "first"}, {"data", {{"n", 1}}}}, 1000, &made);
  REQUIRE(sent(made).size() == 1);  // in flight: what follows is queued behind it
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "big"}, {"data", {{"body", std::string(20000, 'y')}}}});
  Commit ack = server(core, json::array({{{"op", "ack"}, {"key", sent(made)[0]["key"]}, {"version", 1}}}));
  REQUIRE(sent(ack).size() == 1);  // the big create went out before the limits were known
  Commit drop;
  REQUIRE(core.setOnline(false, 1000, drop).isOk());  // the server refused the frame: disconnected
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "big"}, {"patch", {{"n", 2}}}});
  Commit limits;
  REQUIRE(core.setServerLimits({{"maxMessageBytes", 8000}}, 1000, limits).isOk());
  Commit on = goOnline(core);
  auto dead = settled(on, "dead-letter");
  REQUIRE(dead.size() == 2);
  CHECK(dead[0]["errorClass"] == "too-large");
  CHECK(dead[1]["errorClass"] == "too-large");
  CHECK(core.pendingMutations().empty());
  CHECK(view(core, "big").is_null());
}
}  // namespace test_server_limits
