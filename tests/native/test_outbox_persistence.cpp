// Outbox: persistence round trip, hostile persisted state, and a randomized no-loss check.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "sync/outbox.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_outbox_persistence {

using namespace syncore;

namespace {

OutboxMutation entityMutation(const std::string& mid, const std::string& id, MutationKind kind,
                              json payload, Priority priority = Priority::Normal) {
  OutboxMutation m;
  m.mutationId = mid;
  m.collection = "todos";
  m.entityId = id;
  m.kind = kind;
  m.payload = std::move(payload);
  m.priority = priority;
  return m;
}

// A box with every kind of state: queued, in flight, backed off, dead-lettered, paused.
Outbox busyOutbox() {
  OutboxConfig config;
  config.batchSize = 2;
  Outbox box("c1", config, 77);
  auto created = entityMutation("m1", "a", MutationKind::Create, {{"id", "a"}, {"n", 1}}, Priority::High);
  created.meta = PendingMeta{HlcTimestamp{1, 2, "c1"}, json{{"id", "a"}}};
  created.strategy = "merge";
  created.baseVersion = 3;
  box.enqueue(created);
  box.enqueue(entityMutation("m2", "b", MutationKind::Update, {{"x", nullptr}}));
  box.enqueue(entityMutation("m3", "c", MutationKind::Delete, nullptr, Priority::Low));
  box.enqueue(entityMutation("m4", "d", MutationKind::Update, {{"y", 1}}));
  auto first = box.takeBatch(1000);   // a, b
  REQUIRE(first);
  box.fail(2, ErrorClass::Transient, "timeout", 1000);  // b backs off
  box.fail(1, ErrorClass::Validation, "nope", 1000);    // a dead-lettered
  REQUIRE(box.takeBatch(1000));  // d, c (d: normal lane before c: low) stay in flight
  box.enqueue(entityMutation("m5", "d", MutationKind::Update, {{"z", 2}}));
  box.pause();
  return box;
}

}  // namespace

TEST_CASE("outbox: toJson/fromJson round trip restores the durable state") {
  Outbox box = busyOutbox();
  const json state = box.toJson();
  json reparsed;
  REQUIRE(parseJson(dumpJson(state), reparsed).isOk());  // survives a trip through text

  Outbox restored("c1", box.config(), 1);
  REQUIRE(Outbox::fromJson(reparsed, restored).isOk());
  CHECK(restored.size() == box.size());
  CHECK(restored.paused());
  CHECK(restored.inFlightBatches() == 0);
  // in-flight entries come back queued, same keys, the lost attempt uncounted: as a disconnect
  box.onDisconnect();
  CHECK(restored.toJson() == box.toJson());
  const OutboxEntry* d = restored.find(4);
  REQUIRE(d);
  CHECK(d->state == OutboxEntry::State::Queued);
  CHECK(d->key == "c1:4");
  CHECK(d->sent);
  REQUIRE(restored.deadLetters().size() == 1);
  CHECK(restored.deadLetters()[0].message == "nope");
  CHECK(pendingMetaToJson(restored.deadLetters()[0].entry.meta) == pendingMetaToJson(PendingMeta{HlcTimestamp{1, 2, "c1"}, json{{"id", "a"}}}));
  CHECK(restored.deadLetters()[0].entry.strategy == "merge");
  CHECK(restored.deadLetters()[0].entry.baseVersion == 3);
  CHECK(restored.deadLetters()[0].entry.priority == Priority::High);
  CHECK(restored.find(2)->payload == json({{"x", nullptr}}));
  CHECK(restored.find(2)->notBeforeMs == box.find(2)->notBeforeMs);

  // both continue identically: same next seq, same batch ids, same jitter
  box.resume();
  restored.resume();
  CHECK(box.enqueue(entityMutation("m6", "e", MutationKind::Create, json::object())).seq ==
        restored.enqueue(entityMutation("m6", "e", MutationKind::Create, json::object())).seq);
  box.onReconnect();
  restored.onReconnect();
  auto b1 = box.takeBatch(0);
  auto b2 = restored.takeBatch(0);
  REQUIRE(b1);
  REQUIRE(b2);
  CHECK(b1->id == b2->id);
  CHECK(b1->seqs == b2->seqs);
  CHECK(box.fail(b1->seqs[0], ErrorClass::Transient, "t", 0).retryAtMs ==
        restored.fail(b2->seqs[0], ErrorClass::Transient, "t", 0).retryAtMs);
}

TEST_CASE("outbox: fromJson rejects bad state and leaves the outbox untouched") {
  const json good = busyOutbox().toJson();
  REQUIRE(good["entries"].size() == 4);
  REQUIRE(good["deadLetters"].size() == 1);

  const std::vector<std::pair<const char*, std::function<void(json&)>>> cases = {
      {"not an object", [](json& s) { s = json::array(); }},
      {"no format", [](json& s) { s.erase("format"); }},
      {"future format", [](json& s) { s["format"] = 2; }},
      {"no nextSeq", [](json& s) { s.erase("nextSeq"); }},
      {"negative nextSeq", [](json& s) { s["nextSeq"] = -1; }},
      {"text nextSeq", [](json& s) { s["nextSeq"] = "9"; }},
      {"zero nextSeq", [](json& s) { s["nextSeq"] = 0; }},
      {"zero nextBatch", [](json& s) { s["nextBatch"] = 0; }},
      {"huge nextBatch", [](json& s) { s["nextBatch"] = 1ull << 40; }},
      {"paused text", [](json& s) { s["paused"] = "no"; }},
      {"no prng", [](json& s) { s.erase("prng"); }},
      {"short prng", [](json& s) { s["prng"].erase(0); }},
      {"non-hex prng", [](json& s) { s["prng"][1] = "xyz"; }},
      {"long prng word", [](json& s) { s["prng"][1] = "00000000000000001"; }},
      {"zero prng", [](json& s) { s["prng"] = {"0", "0", "0", "0"}; }},
      {"no entries", [](json& s) { s.erase("entries"); }},
      {"entries object", [](json& s) { s["entries"] = json::object(); }},
      {"entry not object", [](json& s) { s["entries"][0] = 5; }},
      {"zero seq", [](json& s) { s["entries"][0]["seq"] = 0; }},
      {"float seq", [](json& s) { s["entries"][0]["seq"] = 1.5; }},
      {"seq past nextSeq", [](json& s) { s["entries"][0]["seq"] = 1000; }},
      {"duplicate seq", [](json& s) { s["entries"][1]["seq"] = s["entries"][0]["seq"]; }},
      {"seq shared with a dead letter", [](json& s) { s["entries"][0]["seq"] = 1; }},
      {"no key", [](json& s) { s["entries"][0].erase("key"); }},
      {"empty key", [](json& s) { s["entries"][0]["key"] = ""; }},
      {"duplicate key", [](json& s) { s["entries"][1]["key"] = s["entries"][0]["key"]; }},
      {"no mutation ids", [](json& s) { s["entries"][0]["mutationIds"] = json::array(); }},
      {"numeric mutation id", [](json& s) { s["entries"][0]["mutationIds"] = {1}; }},
      {"empty collection", [](json& s) { s["entries"][0]["collection"] = ""; }},
      {"numeric entity id", [](json& s) { s["entries"][0]["entityId"] = 4; }},
      {"unknown kind", [](json& s) { s["entries"][0]["kind"] = "upsert"; }},
      {"array patch", [](json& s) { s["entries"][0]["payload"] = json::array(); }},
      {"delete with payload", [](json& s) {
         s["entries"][0]["kind"] = "delete";
         s["entries"][0]["payload"] = json::object();
       }},
      {"unknown priority", [](json& s) { s["entries"][0]["priority"] = "urgent"; }},
      {"unknown state", [](json& s) { s["entries"][0]["state"] = "sending"; }},
      {"negative attempts", [](json& s) { s["entries"][0]["attempts"] = -1; }},
      {"huge attempts", [](json& s) { s["entries"][0]["attempts"] = 1ull << 33; }},
      {"float notBefore", [](json& s) { s["entries"][0]["notBeforeMs"] = 1.5; }},
      {"huge baseVersion", [](json& s) { s["entries"][0]["baseVersion"] = UINT64_MAX; }},
      {"sent text", [](json& s) { s["entries"][0]["sent"] = "yes"; }},
      {"strategy number", [](json& s) { s["entries"][0]["strategy"] = 3; }},
      {"dead letters object", [](json& s) { s["deadLetters"] = json::object(); }},
      {"dead letter not object", [](json& s) { s["deadLetters"][0] = "x"; }},
      {"dead letter no entry", [](json& s) { s["deadLetters"][0].erase("entry"); }},
      {"dead letter bad class", [](json& s) { s["deadLetters"][0]["errorClass"] = "oops"; }},
      {"dead letter bad message", [](json& s) { s["deadLetters"][0]["message"] = 1; }},
      {"dead letter bad entry", [](json& s) { s["deadLetters"][0]["entry"]["kind"] = 1; }},
  };
  for (const auto& [name, corrupt] : cases) {
    INFO(name);
    json bad = good;
    corrupt(bad);
    Outbox target("c1", {}, 5);
    target.enqueue(entityMutation("keep", "k", MutationKind::Create, json::object()));
    const json before = target.toJson();
    const Status status = Outbox::fromJson(bad, target);
    CHECK(!status.isOk());
    CHECK(!status.message.empty());
    CHECK(target.toJson() == before);
  }

  // optional fields may be left out
  json minimal = {{"format", 1}, {"nextSeq", 3}, {"prng", {"1", "0", "0", "0"}},
                  {"entries", {{{"seq", 2}, {"key", "old:2"}, {"mutationIds", {"m"}},
                                {"collection", "todos"}, {"entityId", "x"}, {"kind", "delete"}}}}};
  Outbox target("c1", {}, 5);
  REQUIRE(Outbox::fromJson(minimal, target).isOk());
  REQUIRE(target.find(2));
  CHECK(target.find(2)->priority == Priority::Normal);
  CHECK(target.find(2)->baseVersion == -1);
  CHECK(target.enqueue(entityMutation("n", "y", MutationKind::Create, json::object())).seq == 3);
  CHECK(target.find(3)->key == "c1:3");
}

TEST_CASE("outbox: randomized operations never lose or duplicate a mutation id") {
  OutboxConfig config;
  config.batchSize = 3;
  config.maxInFlightBatches = 2;
  config.maxRetries = 3;
  config.backoffBaseMs = 50;
  config.backoffMaxMs = 400;
  Outbox box("rnd", config, 99);
  Prng rng(2024);
  const std::vector<std::string> names = {"e0", "e1", "e2", "e3", "e4", "e5"};
  std::vector<std::string> issued;
  std::map<std::string, int> settled;  // acked, conflicted, cancelled or discarded
  std::int64_t now = 0;
  std::uint32_t lastBatch = 0;
  std::map<std::string, int> seen;  // which paths the run exercised

  const auto settle = [&](const OutboxEntry& e) {
    for (const auto& id : e.mutationIds) ++settled[id];
  };
  const auto pickSeq = [&](bool inFlightOnly) -> std::uint64_t {
    std::vector<std::uint64_t> seqs;
    for (const auto& [seq, e] : box.entries()) {
      if (!inFlightOnly || e.state == OutboxEntry::State::InFlight) seqs.push_back(seq);
    }
    if (seqs.empty()) return 0;
    return seqs[static_cast<std::size_t>(rng.uniform(0, static_cast<std::int64_t>(seqs.size()) - 1))];
  };
  const auto pickDead = [&]() -> std::uint64_t {
    if (box.deadLetters().empty()) return 0;
    const auto i = rng.uniform(0, static_cast<std::int64_t>(box.deadLetters().size()) - 1);
    return box.deadLetters()[static_cast<std::size_t>(i)].entry.seq;
  };
  const auto checkInvariants = [&]() {
    std::map<std::string, int> count = settled;
    std::size_t listed = 0;
    for (const auto& name : names) {
      int inFlight = 0;
      for (const OutboxEntry* e : box.entriesFor("todos", name)) {
        ++listed;
        if (e->state == OutboxEntry::State::InFlight) ++inFlight;
      }
      if (inFlight > 1) REQUIRE(inFlight <= 1);  // per-entity order: one in flight at most
    }
    REQUIRE(listed == box.size());
    for (const auto& [seq, e] : box.entries()) {
      for (const auto& id : e.mutationIds) ++count[id];
    }
    for (const auto& letter : box.deadLetters()) {
      for (const auto& id : letter.entry.mutationIds) ++count[id];
    }
    std::vector<std::string> lostOrDuplicated;
    for (const auto& id : issued) {
      if (count[id] != 1) lostOrDuplicated.push_back(id);
    }
    CHECK(lostOrDuplicated.empty());
    REQUIRE(count.size() == issued.size());  // and nothing that was never issued
  };

  for (int step = 0; step < 20000; ++step) {
    const auto op = rng.uniform(0, 15);
    if (op <= 4) {
      const std::string mid = "m" + std::to_string(step);
      const auto& name = names[static_cast<std::size_t>(rng.uniform(0, 5))];
      const auto kind = static_cast<MutationKind>(rng.uniform(0, 2));
      json payload = kind == MutationKind::Delete ? json(nullptr)
                                                  : json({{"f" + std::to_string(rng.uniform(0, 3)), step}});
      auto m = entityMutation(mid, name, kind, payload, static_cast<Priority>(rng.uniform(0, 3)));
      if (rng.uniform(0, 9) == 0) m.strategy = "client-wins";
      const auto r = box.enqueue(m);
      REQUIRE(r.outcome != EnqueueOutcome::Rejected);
      issued.push_back(mid);
      if (r.cancelled) {
        settle(*r.cancelled);
        ++seen["cancelled"];
      }
      if (r.outcome == EnqueueOutcome::Coalesced) ++seen["coalesced"];
    } else if (op <= 6) {
      if (auto batch = box.takeBatch(now)) lastBatch = batch->id;
    } else if (op <= 8) {
      if (auto seq = pickSeq(rng.uniform(0, 9) != 0)) settle(*box.ack(seq));  // sometimes a late ack
    } else if (op <= 10) {
      if (auto seq = pickSeq(true)) {
        const auto r = box.fail(seq, static_cast<ErrorClass>(rng.uniform(0, 4)), "e", now);
        if (r.outcome == FailOutcome::Conflict) settle(*r.entry);
        ++seen[r.outcome == FailOutcome::Conflict       ? "conflict"
               : r.outcome == FailOutcome::DeadLettered ? "dead"
               : r.outcome == FailOutcome::Paused       ? "paused"
                                                        : "requeued"];
      }
    } else if (op == 11) {
      box.batchTimedOut(lastBatch, now);
    } else if (op == 12) {
      if (rng.uniform(0, 1)) box.onDisconnect();
      else box.onReconnect();
      box.resume();
    } else if (op == 13) {
      if (auto seq = pickDead()) {
        const auto choice = rng.uniform(0, 2);
        if (choice == 0) {
          REQUIRE(box.retryDead(seq));
        } else if (choice == 1) {
          MutationKind kind = MutationKind::Update;
          for (const auto& d : box.deadLetters())
            if (d.entry.seq == seq) kind = d.entry.kind;
          REQUIRE(box.editDead(seq, kind == MutationKind::Delete ? json(nullptr) : json::object()));
        } else {
          for (const auto& d : box.deadLetters())
            if (d.entry.seq == seq) settle(d.entry);
          REQUIRE(box.discardDead(seq));
          ++seen["discarded"];
        }
      }
    } else if (op == 14) {
      const auto& from = names[static_cast<std::size_t>(rng.uniform(0, 5))];
      const auto& to = names[static_cast<std::size_t>(rng.uniform(0, 5))];
      // temp id -> server id: the server's id is new to this client
      if (box.entriesFor("todos", to).empty()) box.renameEntity("todos", from, to);
    } else if (rng.uniform(0, 3) == 0) {
      Outbox restored("rnd", config, 1);
      REQUIRE(Outbox::fromJson(box.toJson(), restored).isOk());
      box = std::move(restored);  // a reload
    }
    now += rng.uniform(0, 200);
    if (step % 50 == 0) checkInvariants();
  }
  checkInvariants();
  // drain: with everything acked the log empties and every id is settled or dead
  box.resume();
  box.onDisconnect();
  for (int round = 0; round < 1000 && box.size() > 0; ++round) {
    box.onReconnect();
    if (auto batch = box.takeBatch(now)) {
      for (auto seq : batch->seqs) settle(*box.ack(seq));
    }
  }
  CHECK(box.size() == 0);
  checkInvariants();
  CHECK(issued.size() > 5000);
  for (const char* path : {"cancelled", "coalesced", "conflict", "dead", "paused", "requeued", "discarded"}) {
    INFO(path);
    CHECK(seen[path] > 10);
  }
}
}  // namespace test_outbox_persistence
