// Outbox::hasUncertainCreate: kept as a count per collection, checked against a walk of the log
// over random runs of every operation that files, sends or takes out entries.
#include <catch2/catch.hpp>

#include <string>

#include "base/prng.hpp"
#include "sync/outbox.hpp"

namespace test_uncertain_creates {

using namespace syncore;

namespace {

// A draw in [0, n).
std::uint64_t below(Prng& prng, std::uint64_t n) {
  return static_cast<std::uint64_t>(prng.uniform(0, static_cast<std::int64_t>(n) - 1));
}

const char* const kCollections[] = {"todos", "notes", "tags"};

// What the count must say: some create of the collection in the log has gone out.
bool walkSaysUncertain(const Outbox& box, const std::string& collection) {
  for (const auto& [seq, entry] : box.entries())
    if (entry.kind == MutationKind::Create && entry.sent && entry.collection == collection) return true;
  return false;
}

void checkAgainstWalk(const Outbox& box) {
  for (const char* c : kCollections) {
    INFO("collection " << c);
    REQUIRE(box.hasUncertainCreate(c) == walkSaysUncertain(box, c));
  }
}

OutboxMutation mutation(Prng& prng, std::uint64_t n) {
  OutboxMutation m;
  m.mutationId = "m" + std::to_string(n);
  m.collection = kCollections[below(prng, 3)];
  m.entityId = "e" + std::to_string(below(prng, 6));
  const std::uint64_t k = below(prng, 3);
  m.kind = k == 0 ? MutationKind::Create : k == 1 ? MutationKind::Update : MutationKind::Delete;
  m.payload = m.kind == MutationKind::Delete ? json(nullptr) : json{{"v", n}};
  return m;
}

std::uint64_t anySeq(Prng& prng, const Outbox& box) {
  if (box.entries().empty()) return 0;
  auto it = box.entries().begin();
  std::advance(it, static_cast<long>(below(prng, box.entries().size())));
  return it->first;
}

}  // namespace

TEST_CASE("outbox: hasUncertainCreate agrees with a walk of the log over random runs") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    Prng prng(seed);
    OutboxConfig config;
    config.batchSize = 3;
    Outbox box("c1", config, seed);
    std::int64_t now = 0;
    for (std::uint64_t step = 0; step < 300; ++step) {
      now += 1000;
      switch (below(prng, 10)) {
        case 0: case 1: case 2: box.enqueue(mutation(prng, step)); break;
        case 3: box.takeBatch(now); break;
        case 4: if (std::uint64_t s = anySeq(prng, box)) box.ack(s); break;
        case 5: if (std::uint64_t s = anySeq(prng, box)) box.fail(s, ErrorClass::Transient, "t", now); break;
        case 6: if (std::uint64_t s = anySeq(prng, box)) box.fail(s, ErrorClass::Validation, "v", now); break;
        case 7:
          if (!box.deadLetters().empty()) box.retryDead(box.deadLetters().front().entry.seq);
          else if (std::uint64_t s = anySeq(prng, box)) box.remove(s);
          break;
        case 8: box.onDisconnect(); box.onReconnect(); break;
        case 9: {  // a restart: the restored outbox counts what it files
          Outbox restored("c1", config, seed);
          REQUIRE(Outbox::fromJson(box.toJson(), restored));
          checkAgainstWalk(restored);
          box = std::move(restored);
          break;
        }
      }
      checkAgainstWalk(box);
    }
  }
}

TEST_CASE("outbox: a create is uncertain from its send until its answer") {
  Outbox box("c1", {}, 1);
  OutboxMutation m;
  m.mutationId = "m1";
  m.collection = "todos";
  m.entityId = "tmp-1";
  m.kind = MutationKind::Create;
  m.payload = {{"id", "tmp-1"}};
  box.enqueue(m);
  CHECK(!box.hasUncertainCreate("todos"));  // never sent: the server cannot have it
  box.takeBatch(0);
  CHECK(box.hasUncertainCreate("todos"));
  CHECK(!box.hasUncertainCreate("notes"));
  box.onDisconnect();  // back in the queue, but it may have reached the server
  CHECK(box.hasUncertainCreate("todos"));
  box.onReconnect();
  box.takeBatch(0);
  box.ack(1);
  CHECK(!box.hasUncertainCreate("todos"));
}

}  // namespace test_uncertain_creates
