// The deadLetters records the core asks to persist: a delete only for a seq whose dead letter was
// stored (an ordinary enqueue or ack costs no deadLetters request), also across a restart.

#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_dead_letter_records {

using namespace synctest;

namespace {

// The persist effect's records of one store and list ("put" or "delete") in a commit.
std::vector<json> records(const Commit& c, const char* list, const char* store) {
  std::vector<json> out;
  for (const json& e : effectsOf(c, "persist"))
    for (const json& r : e[list])
      if (r["store"] == store) out.push_back(r);
  return out;
}

// Creates "a", sends it and has the server refuse it: one stored dead letter; returns its seq.
std::uint64_t deadLetterOne(SyncCore& core, PersistedRecords& storage) {
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "a"}, {"data", {{"n", 1}}}}, 1000, &c);
  storage.apply(c);
  Commit on = goOnline(core);
  storage.apply(on);
  REQUIRE(sent(on).size() == 1);
  Commit refused = server(core, json::array({{{"op", "reject"}, {"key", sent(on)[0]["key"]}, {"class", "validation"}, {"message", "no"}}}));
  CHECK(records(refused, "put", "deadLetters").size() == 1);
  storage.apply(refused);
  REQUIRE(core.deadLetters().size() == 1);
  return core.deadLetters()[0]["seq"].get<std::uint64_t>();
}

}  // namespace

TEST_CASE("dead letter records: an enqueue, its send and its ack delete no dead letter") {
  SyncCore core = makeClient();
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "a"}, {"data", {{"n", 1}}}}, 1000, &c);
  CHECK(records(c, "put", "outbox").size() == 1);
  CHECK(records(c, "delete", "deadLetters").empty());
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  CHECK(records(on, "delete", "deadLetters").empty());
  Commit acked = server(core, json::array({{{"op", "ack"}, {"key", sent(on)[0]["key"]}, {"version", 1}}}));
  CHECK(records(acked, "delete", "outbox").size() == 1);
  CHECK(records(acked, "delete", "deadLetters").empty());
}

TEST_CASE("dead letter records: a discarded or retried dead letter's record is deleted, also after a restart") {
  SECTION("discarded") {
    PersistedRecords storage;
    SyncCore core = makeClient();
    const std::uint64_t seq = deadLetterOne(core, storage);
    Commit d;
    REQUIRE(core.discardDeadLetter(seq, 2000, d).isOk());
    REQUIRE(records(d, "delete", "deadLetters").size() == 1);
    CHECK(records(d, "delete", "deadLetters")[0]["key"] == seq);
    storage.apply(d);
    CHECK(storage.count("deadLetters") == 0);
  }
  SECTION("retried, then acknowledged") {
    PersistedRecords storage;
    SyncCore core = makeClient();
    const std::uint64_t seq = deadLetterOne(core, storage);
    Commit r;
    REQUIRE(core.retryDeadLetter(seq, 2000, r).isOk());
    CHECK(records(r, "delete", "deadLetters").size() == 1);
    storage.apply(r);
    CHECK(storage.count("deadLetters") == 0);
    CHECK(storage.count("outbox") == 1);
  }
  SECTION("discarded after a restart") {
    PersistedRecords storage;
    SyncCore first = makeClient();
    const std::uint64_t seq = deadLetterOne(first, storage);
    SyncCore again = reopen(storage);
    REQUIRE(again.deadLetters().size() == 1);
    Commit d;
    REQUIRE(again.discardDeadLetter(seq, 3000, d).isOk());
    CHECK(records(d, "delete", "deadLetters").size() == 1);
    storage.apply(d);
    CHECK(storage.count("deadLetters") == 0);
    SyncCore third = reopen(storage);
    CHECK(third.deadLetters().empty());
  }
}

}  // namespace test_dead_letter_records
