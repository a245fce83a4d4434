#include <catch2/catch.hpp>

#include "sync/outbox.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_outbox {

using namespace syncore;

namespace {

OutboxMutation mutation(const std::string& mid, const std::string& id, MutationKind kind, json payload,
                        Priority priority = Priority::Normal) {
  OutboxMutation m;
  m.mutationId = mid;
  m.collection = "todos";
  m.entityId = id;
  m.kind = kind;
  m.payload = std::move(payload);
  m.priority = priority;
  return m;
}
OutboxMutation create(const std::string& mid, const std::string& id, Priority p = Priority::Normal) {
  return mutation(mid, id, MutationKind::Create, {{"id", id}, {"title", "t"}}, p);
}
OutboxMutation update(const std::string& mid, const std::string& id, json patch,
                      Priority p = Priority::Normal) {
  return mutation(mid, id, MutationKind::Update, std::move(patch), p);
}
OutboxMutation remove(const std::string& mid, const std::string& id) {
  return mutation(mid, id, MutationKind::Delete, nullptr);
}
json patch(const char* text) { return json::parse(text); }

}  // namespace

TEST_CASE("outbox: seqs increase strictly and keys are clientId:seq") {
  Outbox box("c1", {}, 1);
  const auto a = box.enqueue(create("m1", "a"));
  const auto b = box.enqueue(create("m2", "b"));
  const auto c = box.enqueue(update("m3", "c", patch(R"({"x":1})")));
  REQUIRE(a.outcome == EnqueueOutcome::Appended);
  CHECK(a.status.isOk());
  CHECK(a.seq == 1);
  CHECK(b.seq == 2);
  CHECK(c.seq == 3);
  CHECK(box.find(1)->key == "c1:1");
  CHECK(box.find(3)->key == "c1:3");
  CHECK(box.find(3)->mutationIds == std::vector<std::string>{"m3"});
  CHECK(box.size() == 3);
  CHECK(box.find(99) == nullptr);
}

TEST_CASE("outbox: an update onto a queued create is applied into the entity") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a", Priority::Low));
  const auto r = box.enqueue(update("m2", "a", patch(R"({"title":"new","done":true})"), Priority::High));
  CHECK(r.outcome == EnqueueOutcome::Coalesced);
  CHECK(r.seq == 1);
  REQUIRE(box.size() == 1);
  const OutboxEntry* e = box.find(1);
  CHECK(e->kind == MutationKind::Create);
  CHECK(e->payload == patch(R"({"id":"a","title":"new","done":true})"));
  CHECK(e->mutationIds == std::vector<std::string>{"m1", "m2"});
  CHECK(e->priority == Priority::High);
  // a removal inside a create simply drops the field
  box.enqueue(update("m3", "a", patch(R"({"done":null})")));
  CHECK(box.find(1)->payload == patch(R"({"id":"a","title":"new"})"));
}

TEST_CASE("outbox: updates onto a queued update compose into one patch") {
  Outbox box("c1", {}, 1);
  auto first = update("m1", "a", patch(R"({"a":1,"b":{"c":1}})"), Priority::High);
  first.baseVersion = 7;
  first.meta = PendingMeta{HlcTimestamp{1, 0, "c1"}, nullptr};
  box.enqueue(first);
  auto second = update("m2", "a", patch(R"({"b":{"c":null,"d":2},"e":null})"), Priority::Low);
  second.baseVersion = 8;
  second.meta = PendingMeta{HlcTimestamp{2, 0, "c1"}, nullptr};
  CHECK(box.enqueue(second).outcome == EnqueueOutcome::Coalesced);
  auto third = update("m3", "a", patch(R"({"f":3})"));  // no meta: the newest meta stays
  box.enqueue(third);
  const OutboxEntry* e = box.find(1);
  CHECK(e->kind == MutationKind::Update);
  CHECK(e->payload == patch(R"({"a":1,"b":{"c":null,"d":2},"e":null,"f":3})"));
  CHECK(e->priority == Priority::High);
  CHECK(e->baseVersion == 7);  // the composed patch was made against the first base
  REQUIRE(e->meta);
  REQUIRE(e->meta->ts);
  CHECK(e->meta->ts->wallMs == 2);
  CHECK(e->mutationIds == std::vector<std::string>{"m1", "m2", "m3"});
  CHECK(box.size() == 1);
}

TEST_CASE("outbox: a delete onto a queued update or delete replaces it") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", patch(R"({"x":1})"), Priority::Critical));
  const auto r = box.enqueue(remove("m2", "a"));
  CHECK(r.outcome == EnqueueOutcome::Coalesced);
  const OutboxEntry* e = box.find(1);
  CHECK(e->kind == MutationKind::Delete);
  CHECK(e->payload.is_null());
  CHECK(e->priority == Priority::Critical);
  CHECK(box.enqueue(remove("m3", "a")).outcome == EnqueueOutcome::Coalesced);
  CHECK(box.find(1)->mutationIds == std::vector<std::string>{"m1", "m2", "m3"});
  // an update after a delete is its own entry (the server will judge it)
  CHECK(box.enqueue(update("m4", "a", patch(R"({"x":2})"))).outcome == EnqueueOutcome::Appended);
  // and a create after a delete (re-creating the id) too
  box.enqueue(remove("m5", "b"));
  CHECK(box.enqueue(create("m6", "b")).outcome == EnqueueOutcome::Appended);
}

TEST_CASE("outbox: a delete onto an unsent create cancels both") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.enqueue(update("m2", "a", patch(R"({"x":1})")));
  box.enqueue(create("m3", "b"));
  const auto r = box.enqueue(remove("m4", "a"));
  CHECK(r.outcome == EnqueueOutcome::CancelledCreate);
  CHECK(r.seq == 1);
  REQUIRE(r.cancelled);
  CHECK(r.cancelled->mutationIds == std::vector<std::string>{"m1", "m2", "m4"});
  CHECK(box.entriesFor("todos", "a").empty());
  CHECK(box.find(1) == nullptr);
  CHECK(box.size() == 1);
}

TEST_CASE("outbox: never coalesces into an in-flight or already sent entry") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.enqueue(update("m2", "b", patch(R"({"x":1})")));
  REQUIRE(box.takeBatch(0));
  CHECK(box.enqueue(update("m3", "a", patch(R"({"y":1})"))).outcome == EnqueueOutcome::Appended);
  CHECK(box.enqueue(update("m4", "b", patch(R"({"y":1})"))).outcome == EnqueueOutcome::Appended);
  // the later entries coalesce with each other, not with the in-flight head
  CHECK(box.enqueue(update("m5", "a", patch(R"({"z":1})"))).outcome == EnqueueOutcome::Coalesced);
  CHECK(box.find(1)->payload == json({{"id", "a"}, {"title", "t"}}));
  CHECK(box.entriesFor("todos", "a").size() == 2);

  // after a disconnect the create is queued again, but the server may already hold it
  box.onDisconnect();
  Outbox box2("c1", {}, 1);
  box2.enqueue(create("n1", "a"));
  REQUIRE(box2.takeBatch(0));
  box2.onDisconnect();
  CHECK(box2.find(1)->state == OutboxEntry::State::Queued);
  CHECK(box2.enqueue(update("n2", "a", patch(R"({"y":1})"))).outcome == EnqueueOutcome::Appended);
  const auto del = box2.enqueue(remove("n3", "a"));
  CHECK(del.outcome == EnqueueOutcome::Coalesced);  // onto the unsent update, not a cancel
  CHECK(box2.find(1)->kind == MutationKind::Create);
  CHECK(box2.find(2)->kind == MutationKind::Delete);
}

TEST_CASE("outbox: different strategy overrides do not coalesce") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", patch(R"({"x":1})")));
  auto other = update("m2", "a", patch(R"({"x":2})"));
  other.strategy = "client-wins";
  CHECK(box.enqueue(other).outcome == EnqueueOutcome::Appended);
  CHECK(box.find(2)->strategy == "client-wins");
}

TEST_CASE("outbox: bad mutations are rejected without changing anything") {
  Outbox box("c1", {}, 1);
  auto noId = create("m1", "");
  CHECK(box.enqueue(noId).status.code == ErrorCode::MissingId);
  auto noCollection = create("m1", "a");
  noCollection.collection = "";
  CHECK(box.enqueue(noCollection).outcome == EnqueueOutcome::Rejected);
  CHECK(box.enqueue(update("m2", "a", json::array())).status.code == ErrorCode::WrongType);
  CHECK(box.enqueue(mutation("m3", "a", MutationKind::Create, "text")).status.code == ErrorCode::WrongType);
  CHECK(box.size() == 0);
  // a delete's payload is ignored
  CHECK(box.enqueue(mutation("m4", "a", MutationKind::Delete, {{"x", 1}})).status.isOk());
  CHECK(box.find(1)->payload.is_null());
}

TEST_CASE("outbox: per-entity order is never broken by priorities") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", patch(R"({"x":1})"), Priority::Low));
  auto urgent = update("m2", "a", patch(R"({"x":2})"), Priority::Critical);
  urgent.strategy = "client-wins";  // keeps it a separate entry
  box.enqueue(urgent);
  box.enqueue(update("m3", "b", patch(R"({"x":1})")));
  auto first = box.takeBatch(0);
  REQUIRE(first);
  // a's low head was lifted to critical by the critical entry queued behind it (issue 18 item 3,
  // docs/queue_control.md): it goes before b (normal); never 2 before 1.
  CHECK(first->seqs == std::vector<std::uint64_t>{1, 3});
  CHECK(box.find(1)->priority == Priority::Critical);
  CHECK(!box.takeBatch(0));  // a's second entry waits for its first (and nothing else is left)
  box.ack(3);
  CHECK(!box.takeBatch(0));
  box.ack(1);
  auto second = box.takeBatch(0);
  REQUIRE(second);
  CHECK(second->seqs == std::vector<std::uint64_t>{2});
}

TEST_CASE("outbox: lanes order independent entities, by seq within a lane") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a", Priority::Low));
  box.enqueue(create("m2", "b", Priority::Normal));
  box.enqueue(create("m3", "c", Priority::Critical));
  box.enqueue(create("m4", "d", Priority::High));
  box.enqueue(create("m5", "e", Priority::Normal));
  box.enqueue(create("m6", "f", Priority::Critical));
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{3, 6, 4, 2, 5, 1});
  for (auto seq : batch->seqs) {
    CHECK(box.find(seq)->state == OutboxEntry::State::InFlight);
    CHECK(box.find(seq)->batch == batch->id);
    CHECK(box.find(seq)->attempts == 1);
  }
}

TEST_CASE("outbox: batch size and the number of batches in flight are bounded") {
  OutboxConfig config;
  config.batchSize = 2;
  config.maxInFlightBatches = 2;
  Outbox box("c1", config, 1);
  for (int i = 0; i < 7; ++i) box.enqueue(create("m" + std::to_string(i), "e" + std::to_string(i)));
  auto b1 = box.takeBatch(0);
  auto b2 = box.takeBatch(0);
  REQUIRE(b1);
  REQUIRE(b2);
  CHECK(b1->seqs == std::vector<std::uint64_t>{1, 2});
  CHECK(b2->seqs == std::vector<std::uint64_t>{3, 4});
  CHECK(b1->id != b2->id);
  CHECK(box.inFlightBatches() == 2);
  CHECK(!box.takeBatch(0));
  box.ack(1);  // half a batch answered: still in flight
  CHECK(!box.takeBatch(0));
  box.ack(2);
  auto b3 = box.takeBatch(0);
  REQUIRE(b3);
  CHECK(b3->seqs == std::vector<std::uint64_t>{5, 6});
  CHECK(!box.takeBatch(0));
}

TEST_CASE("outbox: transient failures back off with full jitter, capped and doubling") {
  OutboxConfig config;
  config.maxRetries = 100;
  config.backoffBaseMs = 1000;
  config.backoffMaxMs = 60000;
  Outbox box("c1", config, 42);
  box.enqueue(create("m1", "a"));
  std::int64_t now = 0;
  std::int64_t expectedCap = 1000;
  std::vector<std::int64_t> delays;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    auto batch = box.takeBatch(now);
    REQUIRE(batch);
    CHECK(box.find(1)->attempts == static_cast<std::uint32_t>(attempt));
    const auto r = box.fail(1, ErrorClass::Transient, "timeout", now);
    REQUIRE(r.outcome == FailOutcome::Requeued);
    const std::int64_t delay = r.retryAtMs - now;
    CHECK(delay >= 0);
    CHECK(delay <= expectedCap);
    delays.push_back(delay);
    expectedCap = std::min<std::int64_t>(expectedCap * 2, 60000);
    now = r.retryAtMs;
  }
  // same seed, same delays
  Outbox again("c1", config, 42);
  again.enqueue(create("m1", "a"));
  now = 0;
  for (std::int64_t delay : delays) {
    REQUIRE(again.takeBatch(now));
    const auto r = again.fail(1, ErrorClass::Transient, "timeout", now);
    CHECK(r.retryAtMs - now == delay);
    now = r.retryAtMs;
  }
}

TEST_CASE("outbox: the jitter spreads over the whole [0, cap] range") {
  OutboxConfig config;
  config.maxRetries = 1000;
  config.backoffBaseMs = 100;
  config.backoffMaxMs = 100;
  Outbox box("c1", config, 7);
  box.enqueue(create("m1", "a"));
  std::int64_t lo = 1000, hi = -1;
  for (int i = 0; i < 400; ++i) {
    box.onReconnect();
    REQUIRE(box.takeBatch(0));
    const auto r = box.fail(1, ErrorClass::Transient, "5xx", 0);
    lo = std::min(lo, r.retryAtMs);
    hi = std::max(hi, r.retryAtMs);
  }
  CHECK(lo >= 0);
  CHECK(lo < 10);
  CHECK(hi <= 100);
  CHECK(hi > 90);
}

TEST_CASE("outbox: backoff holds an entry back, wakeAt says until when, reconnect clears it") {
  OutboxConfig config;
  config.backoffBaseMs = 1000;
  Outbox box("c1", config, 3);
  box.enqueue(create("m1", "a"));
  box.enqueue(create("m2", "b"));
  CHECK(box.wakeAt(0) == -1);  // all due now: nothing to wake for
  REQUIRE(box.takeBatch(0));
  box.ack(2);
  CHECK(box.wakeAt(0) == -1);  // in flight: the answer wakes the core, not the clock
  box.fail(1, ErrorClass::Transient, "timeout", 5000);
  const std::int64_t due = box.find(1)->notBeforeMs;
  REQUIRE(due > 5000);  // fixed seed: a non-zero jitter
  CHECK(!box.takeBatch(due - 1));
  CHECK(box.wakeAt(5000) == due);
  CHECK(box.wakeAt(due) == -1);
  box.enqueue(update("m3", "a", patch(R"({"x":1})")));  // behind a's head: adds no wake time
  CHECK(box.find(3)->notBeforeMs == 0);
  CHECK(box.wakeAt(5000) == due);
  box.pause();
  CHECK(box.wakeAt(0) == -1);
  box.resume();
  box.onReconnect();
  CHECK(box.find(1)->notBeforeMs == 0);
  CHECK(box.wakeAt(0) == -1);
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{1});
}

TEST_CASE("outbox: after maxRetries a transient failure dead-letters, never drops") {
  OutboxConfig config;
  config.maxRetries = 3;
  Outbox box("c1", config, 1);
  box.enqueue(create("m1", "a"));
  FailResult last;
  for (int i = 0; i < 4; ++i) {  // the first attempt and three retries
    CHECK(last.outcome != FailOutcome::DeadLettered);
    box.onReconnect();
    REQUIRE(box.takeBatch(0));
    last = box.fail(1, ErrorClass::Transient, "503", 0);
  }
  CHECK(last.outcome == FailOutcome::DeadLettered);
  REQUIRE(last.entry);
  CHECK(last.entry->mutationIds == std::vector<std::string>{"m1"});
  CHECK(box.size() == 0);
  REQUIRE(box.deadLetters().size() == 1);
  CHECK(box.deadLetters()[0].errorClass == ErrorClass::Transient);
  CHECK(box.deadLetters()[0].message == "503");
  CHECK(box.deadLetters()[0].entry.attempts == 4);
}

TEST_CASE("outbox: auth failure pauses everything and does not count the attempt") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.enqueue(create("m2", "b"));
  REQUIRE(box.takeBatch(0));
  const auto r = box.fail(1, ErrorClass::Auth, "401", 0);
  CHECK(r.outcome == FailOutcome::Paused);
  CHECK(box.paused());
  CHECK(box.find(1)->state == OutboxEntry::State::Queued);
  CHECK(box.find(1)->attempts == 0);
  CHECK(box.find(1)->key == "c1:1");
  box.fail(2, ErrorClass::Auth, "401", 0);
  CHECK(!box.takeBatch(0));
  box.resume();
  CHECK(!box.paused());
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  CHECK(batch->seqs == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("outbox: validation failure dead-letters with the server's message") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  REQUIRE(box.takeBatch(0));
  box.enqueue(update("m2", "a", patch(R"({"x":1})")));
  const auto r = box.fail(1, ErrorClass::Validation, "title is required", 0);
  CHECK(r.outcome == FailOutcome::DeadLettered);
  REQUIRE(r.entry);
  CHECK(r.entry->seq == 1);
  REQUIRE(box.deadLetters().size() == 1);
  CHECK(box.deadLetters()[0].errorClass == ErrorClass::Validation);
  CHECK(box.deadLetters()[0].message == "title is required");
  CHECK(box.entriesFor("todos", "a").size() == 1);  // the later entry stays pending
  CHECK(box.inFlightBatches() == 0);
}

TEST_CASE("outbox: conflict removes the entry and hands it back") {
  Outbox box("c1", {}, 1);
  box.enqueue(update("m1", "a", patch(R"({"x":1})")));
  REQUIRE(box.takeBatch(0));
  const auto r = box.fail(1, ErrorClass::Conflict, "version mismatch", 0);
  CHECK(r.outcome == FailOutcome::Conflict);
  REQUIRE(r.entry);
  CHECK(r.entry->payload == patch(R"({"x":1})"));
  CHECK(box.size() == 0);
  CHECK(box.deadLetters().empty());
  CHECK(box.inFlightBatches() == 0);
}

TEST_CASE("outbox: storage failure requeues without counting the attempt") {
  OutboxConfig config;
  config.backoffBaseMs = 250;
  Outbox box("c1", config, 1);
  box.enqueue(create("m1", "a"));
  REQUIRE(box.takeBatch(100));
  const auto r = box.fail(1, ErrorClass::Storage, "quota", 100);
  CHECK(r.outcome == FailOutcome::Requeued);
  CHECK(r.retryAtMs == 350);
  CHECK(box.find(1)->attempts == 0);
  CHECK(!box.paused());
  CHECK(!box.takeBatch(349));
  CHECK(box.takeBatch(350));
}

TEST_CASE("outbox: late and unknown answers are handled safely") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  CHECK(box.fail(1, ErrorClass::Validation, "x", 0).outcome == FailOutcome::Ignored);  // not in flight
  CHECK(box.fail(9, ErrorClass::Transient, "x", 0).outcome == FailOutcome::Ignored);
  CHECK(!box.ack(9));
  REQUIRE(box.takeBatch(0));
  box.onDisconnect();
  const auto acked = box.ack(1);  // the ack of the lost session still means "applied"
  REQUIRE(acked);
  CHECK(acked->mutationIds == std::vector<std::string>{"m1"});
  CHECK(box.size() == 0);
}

TEST_CASE("outbox: a timed-out batch fails each of its entries as transient") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.enqueue(create("m2", "b"));
  box.enqueue(create("m3", "c"));
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  box.ack(2);
  const auto results = box.batchTimedOut(batch->id, 10);
  REQUIRE(results.size() == 2);
  for (const auto& r : results) CHECK(r.outcome == FailOutcome::Requeued);
  CHECK(box.find(1)->state == OutboxEntry::State::Queued);
  CHECK(box.find(3)->state == OutboxEntry::State::Queued);
  CHECK(box.find(1)->notBeforeMs >= 10);
  CHECK(box.inFlightBatches() == 0);
  CHECK(box.batchTimedOut(batch->id, 20).empty());  // already settled
}

TEST_CASE("outbox: a disconnect queues in-flight entries again with the same keys") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.enqueue(create("m2", "b"));
  auto batch = box.takeBatch(0);
  REQUIRE(batch);
  box.onDisconnect();
  CHECK(box.inFlightBatches() == 0);
  for (std::uint64_t seq : {1u, 2u}) {
    CHECK(box.find(seq)->state == OutboxEntry::State::Queued);
    CHECK(box.find(seq)->attempts == 0);
    CHECK(box.find(seq)->batch == 0);
    CHECK(box.find(seq)->key == "c1:" + std::to_string(seq));
  }
  auto again = box.takeBatch(0);
  REQUIRE(again);
  CHECK(again->seqs == batch->seqs);
  CHECK(again->id != batch->id);
}

TEST_CASE("outbox: pause stops sending, resume restarts it") {
  Outbox box("c1", {}, 1);
  box.enqueue(create("m1", "a"));
  box.pause();
  CHECK(box.paused());
  CHECK(!box.takeBatch(0));
  box.resume();
  CHECK(box.takeBatch(0));
}
}  // namespace test_outbox
