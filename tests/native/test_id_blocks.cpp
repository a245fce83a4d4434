// A restarted client never issues a number (mutation id, outbox key, temp id) that the run before
// it may have handed out without storing it: reserveIdBlock moves every counter to a new block.
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_id_blocks {

using namespace synctest;

TEST_CASE("id blocks: a mutation accepted but never stored does not lend its ids to the next run") {
  PersistedRecords storage;
  SyncCore core = makeClient();
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"t", "a"}}}}, 1000, &c);
  storage.apply(c);
  // The second create is accepted, but its write never happens (a crash, a close that dropped it).
  Commit lost;
  const std::string lostId = mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"t", "b"}}}}, 1000, &lost);
  const std::string lostTemp = lost.changes.collections["todos"].created[0];

  SyncCore again = makeClient();
  Commit restored;
  REQUIRE(again.restore(storage.all(), restored).isOk());
  Commit reserved;
  REQUIRE(again.reserveIdBlock(reserved).isOk());
  // The new block goes to storage in this commit.
  bool metaWritten = false;
  for (const json& e : toJsonList(reserved.effects))
    if (e["type"] == "persist")
      for (const json& r : e["put"])
        if (r["store"] == "meta") metaWritten = r["value"]["nextMutation"] == SyncCore::kIdBlock + 1;
  CHECK(metaWritten);
  storage.apply(reserved);
  Commit next;
  const std::string id = mutate(again, {{"collection", "todos"}, {"op", "create"}, {"data", {{"t", "c"}}}}, 2000, &next);
  CHECK(id != lostId);
  CHECK(id == "c1#" + std::to_string(SyncCore::kIdBlock + 1));
  CHECK(next.changes.collections["todos"].created[0] != lostTemp);
  const json pending = again.pendingMutations();
  REQUIRE(pending.size() == 2);
  CHECK(pending[1]["key"] == "c1:" + std::to_string(SyncCore::kIdBlock + 1));

  // A crash before anything of the second run is stored: the third run takes the block after.
  storage.apply(next);
  SyncCore third = makeClient();
  Commit restored3;
  REQUIRE(third.restore(storage.all(), restored3).isOk());
  Commit r3;
  REQUIRE(third.reserveIdBlock(r3).isOk());
  CHECK(mutate(third, {{"collection", "todos"}, {"op", "create"}, {"data", {{"t", "d"}}}}, 3000) ==
        "c1#" + std::to_string(2 * SyncCore::kIdBlock + 1));
}
}  // namespace test_id_blocks
