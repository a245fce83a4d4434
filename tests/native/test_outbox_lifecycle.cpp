// Outbox: dead letters, removals, rebases, renames, and the PRNG behind the jitter.
#include <catch2/catch.hpp>

#include <set>

#include "sync/outbox.hpp"
#include "base/prng.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_outbox_lifecycle {

using namespace syncore;

namespace {

OutboxMutation entityMutation(const std::string& mid, const std::string& id, MutationKind kind,
                              json payload) {
  OutboxMutation m;
  m.mutationId = mid;
  m.collection = "todos";
  m.entityId = id;
  m.kind = kind;
  m.payload = std::move(payload);
  return m;
}
OutboxMutation create(const std::string& mid, const std::string& id) {
  return entityMutation(mid, id, MutationKind::Create, {{"id", id}});
}
OutboxMutation update(const std::string& mid, const std::string& id, json patch) {
  return entityMutation(mid, id, MutationKind::Update, std::move(patch));
}

// Sends everything eligible and fails `seq` with a validation error.
void deadLetter(Outbox& box, std::uint64_t seq) {
  box.takeBatch(0);
  REQUIRE(box.fail(seq, ErrorClass::Validation, "bad", 0).outcome == FailOutcome::DeadLettered);
}

}  // namespace

TEST_CASE("outbox: a retried dead letter returns at its place by seq with attempts reset") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", {{"x", 1}}));
  box.enqueue(update("m2", "b", {{"x", 1}}));
  deadLetter(box, 1);
  box.ack(2);
  box.enqueue(update("m3", "a", {{"y", 1}}));  // seq 3, a's only pending entry now
  CHECK(!box.retryDead(42));
  REQUIRE(box.retryDead(1));
  CHECK(box.deadLetters().empty());
  auto entries = box.entriesFor("todos", "a");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]->seq == 1);
  CHECK(entries[1]->seq == 3);
  CHECK(entries[0]->attempts == 0);
  CHECK(entries[0]->state == OutboxEntry::State::Queued);
  CHECK(entries[0]->key == "c1:4");  // refused for certain under c1:1: a new request
  CHECK(!entries[0]->sent);
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{1});
}

TEST_CASE("outbox: a retried dead letter waits while a later entry of its entity is in flight") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", {{"x", 1}}));
  deadLetter(box, 1);
  box.enqueue(update("m2", "a", {{"x", 2}}));
  REQUIRE(box.takeBatch(0));  // seq 2 in flight
  REQUIRE(box.retryDead(1));
  CHECK(!box.takeBatch(0));  // never two entries of one entity in flight
  box.ack(2);
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{1});
}

TEST_CASE("outbox: editing a dead letter changes its payload and gives it a fresh key") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  deadLetter(box, 1);
  CHECK(!box.editDead(1, json::array()));  // a create needs an object
  CHECK(!box.editDead(7, json::object()));
  REQUIRE(box.deadLetters().size() == 1);
  REQUIRE(box.editDead(1, {{"id", "a"}, {"title", "fixed"}}));
  const OutboxEntry* e = box.find(1);
  REQUIRE(e);
  CHECK(e->payload == json({{"id", "a"}, {"title", "fixed"}}));
  CHECK(e->key == "c1:2");  // a number never used for anything else
  CHECK(!e->sent);
  CHECK(box.enqueue(create("m2", "b")).seq == 3);
  CHECK(box.find(3)->key == "c1:3");
}

TEST_CASE("outbox: a retried transient dead letter keeps its key: it may have been applied") {
  OutboxConfig config;
  config.maxRetries = 0;
  Outbox box("c1", config, 1);
  box.enqueue(create("m1", "a"));
  REQUIRE(box.takeBatch(0));
  REQUIRE(box.fail(1, ErrorClass::Transient, "timeout", 0).outcome == FailOutcome::DeadLettered);
  REQUIRE(box.retryDead(1));
  const OutboxEntry* e = box.find(1);
  REQUIRE(e);
  CHECK(e->key == "c1:1");
  CHECK(e->sent);
}

TEST_CASE("outbox: a forbidden refusal dead-letters at once, keeps going, and retries under a fresh key") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.enqueue(create("m2", "b"));
  REQUIRE(box.takeBatch(0));
  const FailResult r = box.fail(1, ErrorClass::Forbidden, "no permission", 0);
  CHECK(r.outcome == FailOutcome::DeadLettered);
  CHECK(!box.paused());  // one mutation's permission, not the token: the queue goes on
  REQUIRE(box.deadLetters().size() == 1);
  CHECK(std::string(errorClassName(box.deadLetters()[0].errorClass)) == "forbidden");
  ErrorClass parsed = ErrorClass::Transient;
  CHECK(errorClassFromName("forbidden", parsed));
  CHECK(parsed == ErrorClass::Forbidden);
  REQUIRE(box.retryDead(1));
  CHECK(box.find(1)->key == "c1:3");
}

TEST_CASE("outbox: discarding a dead letter forgets it") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  deadLetter(box, 1);
  CHECK(!box.discardDead(2));
  CHECK(box.discardDead(1));
  CHECK(box.deadLetters().empty());
  CHECK(!box.retryDead(1));
}

TEST_CASE("outbox: remove drops an entry, replacePayload rebases a queued one") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", {{"x", 1}}));
  box.enqueue(update("m2", "b", {{"x", 1}}));
  CHECK(box.replacePayload(1, {{"x", 2}}, 5));
  CHECK(box.find(1)->payload == json({{"x", 2}}));
  CHECK(box.find(1)->baseVersion == 5);
  CHECK(!box.replacePayload(1, nullptr, 5));  // an update needs an object
  CHECK(!box.replacePayload(9, json::object(), 5));
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(!box.replacePayload(2, {{"x", 3}}, 6));  // in flight: the server is processing it
  CHECK(box.remove(2));  // removing an in-flight entry settles its batch share
  CHECK(!box.remove(2));
  box.ack(1);
  CHECK(box.size() == 0);
  CHECK(box.inFlightBatches() == 0);
}

TEST_CASE("outbox: renameEntity moves entries and dead letters to the server id") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "tmp-1"));
  box.enqueue(create("m2", "tmp-2"));
  deadLetter(box, 2);
  box.enqueue(update("m3", "tmp-1", {{"x", 1}}));  // seq 3, behind the in-flight create
  box.enqueue(update("m4", "other", {{"x", 1}}));
  box.renameEntity("todos", "tmp-1", "srv-1");
  box.renameEntity("todos", "tmp-2", "srv-2");
  box.renameEntity("elsewhere", "other", "x");  // other collection: no effect
  CHECK(box.entriesFor("todos", "tmp-1").empty());
  auto entries = box.entriesFor("todos", "srv-1");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]->entityId == "srv-1");
  CHECK(entries[1]->seq == 3);
  CHECK(box.deadLetters()[0].entry.entityId == "srv-2");
  CHECK(box.entriesFor("todos", "other").size() == 1);
  // the in-flight count moved with the entity: the update still waits for the create's ack
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{4});
  box.ack(1);
  batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{3});
}

TEST_CASE("outbox: renaming onto an id that already has entries merges them by seq") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "x", {{"a", 1}}));
  box.enqueue(update("m2", "y", {{"b", 1}}));
  box.enqueue(update("m3", "y", {{"c", 1}}));  // coalesces into seq 2
  OutboxMutation other = update("m4", "x", {{"d", 1}});
  other.strategy = "server-wins";
  box.enqueue(other);  // seq 3
  box.renameEntity("todos", "y", "x");
  auto entries = box.entriesFor("todos", "x");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]->seq == 1);
  CHECK(entries[1]->seq == 2);
  CHECK(entries[2]->seq == 3);
  CHECK(box.entriesFor("todos", "y").empty());
}

TEST_CASE("outbox: prng is deterministic per seed and uniform stays in bounds") {
  Prng a(123), b(123), c(124);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    if (x != c.next()) differs = true;
  }
  CHECK(differs);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto v = a.uniform(-3, 3);
    CHECK(v >= -3);
    CHECK(v <= 3);
    seen.insert(v);
  }
  CHECK(seen.size() == 7);
  CHECK(a.uniform(5, 5) == 5);
  CHECK(a.uniform(5, 1) == 5);
  const auto full = a.uniform(INT64_MIN, INT64_MAX);
  (void)full;  // the whole range must not hang or divide by zero
  Prng zero(0);
  CHECK(zero.next() != zero.next());  // seed 0 still gives a working generator
  Prng restored(999);
  REQUIRE(restored.setState(a.state()));
  CHECK(restored.next() == a.next());
  CHECK(!restored.setState(Prng::State{}));
}
}  // namespace test_outbox_lifecycle
