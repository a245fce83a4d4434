// The outbox's entity index is hashed (issue 15): it must stay exactly what a walk of the log
// gives through every kind of step, and nothing the outbox hands out may follow the hash's order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sync/outbox.hpp"

// One namespace per test file: the unity build compiles several files as one.
namespace test_outbox_index {

using namespace syncore;

namespace {

const std::vector<std::string> kCollections = {"notes", "todos"};
const std::vector<std::string> kIds = {"a", "b", "c", "tmp-c1-1", "tmp-c1-2", "x"};

OutboxMutation mutation(std::string mid, std::string collection, std::string id, MutationKind kind, json payload) {
  OutboxMutation m;
  m.mutationId = std::move(mid);
  m.collection = std::move(collection);
  m.entityId = std::move(id);
  m.kind = kind;
  m.payload = std::move(payload);
  return m;
}

// The entries of one entity as a walk of the whole log finds them, in seq order.
std::vector<std::uint64_t> walked(const Outbox& box, const std::string& collection, const std::string& id) {
  std::vector<std::uint64_t> seqs;
  for (const auto& [seq, entry] : box.entries())
    if (entry.collection == collection && entry.entityId == id) seqs.push_back(seq);
  return seqs;
}

std::vector<std::uint64_t> indexed(const Outbox& box, const std::string& collection, const std::string& id) {
  std::vector<std::uint64_t> seqs;
  for (const OutboxEntry* e : box.entriesFor(collection, id)) seqs.push_back(e->seq);
  return seqs;
}

void checkAgrees(const Outbox& box, const std::string& step) {
  INFO(step);
  REQUIRE(box.indexMatchesLog());
  for (const std::string& c : kCollections)
    for (const std::string& id : kIds) REQUIRE(indexed(box, c, id) == walked(box, c, id));
}

template <class T>
const T& pick(std::mt19937& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

std::vector<std::uint64_t> seqsWhere(const Outbox& box, bool inFlight) {
  std::vector<std::uint64_t> seqs;
  for (const auto& [seq, entry] : box.entries())
    if ((entry.state == OutboxEntry::State::InFlight) == inFlight) seqs.push_back(seq);
  return seqs;
}

}  // namespace

TEST_CASE("outbox index: agrees with a walk of the log after random steps") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    Outbox box("c1", {5, 3, 2, 10, 100}, seed);
    std::int64_t now = 0;
    int mid = 0;
    for (int step = 0; step < 400; ++step) {
      now += 7;
      const int what = std::uniform_int_distribution<int>(0, 14)(rng);
      const std::string& c = pick(rng, kCollections);
      const std::string& id = pick(rng, kIds);
      std::string name = "seed " + std::to_string(seed) + " step " + std::to_string(step) + " op " + std::to_string(what);
      if (what <= 5) {  // mutations, the most common step
        const MutationKind kind = what <= 1 ? MutationKind::Create : what <= 4 ? MutationKind::Update : MutationKind::Delete;
        json payload = kind == MutationKind::Delete ? json(nullptr) : json{{"id", id}, {"v", step}, {"ref", pick(rng, kIds)}};
        OutboxMutation m = mutation("m" + std::to_string(++mid), c, id, kind, std::move(payload));
        if (step % 11 == 0) m.priority = Priority::Critical;
        if (step % 13 == 0) m.strategy = "server-wins";
        box.enqueue(std::move(m));
      } else if (what == 6 || what == 7) {
        box.takeBatch(now);
      } else if (what == 8) {
        const auto flying = seqsWhere(box, true);
        if (!flying.empty()) box.ack(pick(rng, flying));
      } else if (what == 9) {
        const auto flying = seqsWhere(box, true);
        static const std::vector<ErrorClass> classes = {ErrorClass::Transient, ErrorClass::Validation,
                                                        ErrorClass::Conflict, ErrorClass::Storage};
        if (!flying.empty()) box.fail(pick(rng, flying), pick(rng, classes), "no", now);
      } else if (what == 10) {
        box.onDisconnect();
        box.onReconnect();
      } else if (what == 11) {
        box.renameEntity(c, id, pick(rng, kIds));
      } else if (what == 12) {
        const auto queued = seqsWhere(box, false);
        if (!queued.empty()) (step % 2 == 0 ? box.remove(pick(rng, queued)) : box.cancel(pick(rng, queued)).has_value());
      } else if (what == 13) {
        if (!box.deadLetters().empty()) box.retryDead(box.deadLetters().front().entry.seq);
      } else {
        box.hold(c, id);
        if (step % 3 == 0) box.releaseHolds();
      }
      checkAgrees(box, name);
    }
    // And through persistence: the restored outbox indexes the same entries.
    Outbox restored("c1", {5, 3, 2, 10, 100}, seed);
    REQUIRE(Outbox::fromJson(box.toJson(), restored).isOk());
    checkAgrees(restored, "restored, seed " + std::to_string(seed));
    for (const std::string& c : kCollections)
      for (const std::string& id : kIds) CHECK(indexed(restored, c, id) == indexed(box, c, id));
  }
}

TEST_CASE("outbox index: takeBatch asks waits about heads in entity order, not the hash's") {
  Outbox box("c1", {1000, 2, 10, 1000, 60000}, 1);
  std::vector<std::pair<std::string, std::string>> made;
  for (int i = 0; i < 60; ++i) {
    const std::string c = i % 3 == 0 ? "b-collection" : i % 3 == 1 ? "a-collection" : "c-collection";
    const std::string id = "e" + std::to_string((i * 37) % 101);
    made.emplace_back(c, id);
    box.enqueue(mutation("m" + std::to_string(i), c, id, MutationKind::Update, {{"v", i}}));
  }
  std::vector<std::pair<std::string, std::string>> asked;
  const auto batch = box.takeBatch(0, nullptr, [&](const OutboxEntry& e) {
    asked.emplace_back(e.collection, e.entityId);
    return e.entityId == "e0";  // one waits: the rest still go
  });
  std::sort(made.begin(), made.end());
  made.erase(std::unique(made.begin(), made.end()), made.end());
  CHECK(asked == made);  // every head, each once, sorted by collection then id
  REQUIRE(batch.has_value());
  CHECK(batch->seqs.size() == made.size() - 1);
  CHECK(std::is_sorted(batch->seqs.begin(), batch->seqs.end()));  // one lane: by seq
}

}  // namespace test_outbox_index
