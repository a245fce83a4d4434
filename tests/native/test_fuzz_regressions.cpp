// Regressions for what the libFuzzer targets (tests/fuzz/) found. Each input that broke an
// invariant is also kept in tests/fuzz/corpus/<target>/regress_*.json.
#include <catch2/catch.hpp>

#include <set>

#include "base/merge_patch.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_fuzz_regressions {

using namespace synctest;
using syncore::applyMergePatch;
using syncore::composeMergePatches;
using syncore::createMergePatch;
using syncore::mergePatchesCompose;

// fuzz_merge_patch, corpus/merge_patch/regress_compose_object_over_scalar.json:
// [{"k":{"x":1}}, {"k":5}, {"k":{"y":2}}]. Composing {"k":5} then {"k":{"y":2}} gave {"k":{"y":2}},
// which merges into the old {"x":1} instead of replacing the 5: the field x came back.
TEST_CASE("fuzz regression: an object patch over a field a patch set to a scalar does not compose") {
  const json a = json::parse(R"({"k":{"x":1}})");
  const json b = json::parse(R"({"k":5})");
  const json c = json::parse(R"({"k":{"y":2}})");
  const json p = createMergePatch(a, b);
  const json q = createMergePatch(b, c);
  CHECK(applyMergePatch(applyMergePatch(a, p), q) == c);
  CHECK_FALSE(mergePatchesCompose(p, q));
  // Removal then object: the same.
  CHECK_FALSE(mergePatchesCompose(json::parse(R"({"k":null})"), json::parse(R"({"k":{"y":2}})")));
  // Where composition is exact it is still allowed.
  CHECK(mergePatchesCompose(json::parse(R"({"k":{"x":2}})"), json::parse(R"({"k":{"y":2}})")));
  CHECK(mergePatchesCompose(json::parse(R"({"k":5})"), json::parse(R"({"k":6,"j":{"a":1}})")));
  json composed = json::parse(R"({"k":{"x":2}})");
  composeMergePatches(composed, json::parse(R"({"k":{"y":2}})"));
  CHECK(applyMergePatch(a, composed) == json::parse(R"({"k":{"x":2,"y":2}})"));
}

TEST_CASE("fuzz regression: the outbox does not fold an edit it cannot compose; the server ends at what the user saw") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"k":{"x":1}}}])");
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"k", 5}}}});
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"data", {{"id", "a"}, {"k", {{"y", 2}}}}}});
  const json expected = json::parse(R"({"id":"a","k":{"y":2}})");
  CHECK(view(core, "a") == expected);
  // What the server ends with: the confirmed entity with every queued patch applied in order.
  json onServer = json::parse(R"({"id":"a","k":{"x":1}})");
  for (const json& m : core.pendingMutations()) onServer = applyMergePatch(onServer, m["data"]);
  CHECK(onServer == expected);
  CHECK(core.pendingMutations().size() == 2);
}

// fuzz_restore, corpus/restore/regress_key_beyond_next_seq.json: a (tampered) outbox record whose
// key "fz:8" was not below the persisted nextSeq 8. The restore took it; the next mutation got the
// key fz:8 again, and the records it persisted could not be restored any more (duplicated key).
TEST_CASE("fuzz regression: restore moves the counters past every key, mutation id and conflict id it reads") {
  SyncCore source = makeClient();
  mutate(source, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "one"}}}});
  mutate(source, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "two"}}}});
  json records = source.exportRecords();
  std::string nextKey, nextMutationId;
  for (json& r : records) {
    if (r["store"] == "meta") {
      nextKey = "c1:" + std::to_string(r["value"]["outbox"]["nextSeq"].get<std::uint64_t>());
      nextMutationId = "c1#" + std::to_string(r["value"]["nextMutation"].get<std::uint64_t>());
    }
  }
  REQUIRE_FALSE(nextKey.empty());
  for (json& r : records) {
    if (r["store"] == "outbox" && r["key"] == 1) {
      r["value"]["key"] = nextKey;                        // a key the counter has not issued yet
      r["value"]["mutationIds"] = json::array({nextMutationId});
    }
  }
  SyncCore restored = makeClient();
  Commit c;
  REQUIRE(restored.restore(records, c).isOk());
  const std::string fresh = mutate(restored, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "three"}}}});
  CHECK(fresh != nextMutationId);
  std::set<std::string> keys, ids;
  for (const json& m : restored.pendingMutations()) {
    CHECK(keys.insert(m["key"].get<std::string>()).second);
    for (const json& id : m["mutationIds"]) CHECK(ids.insert(id.get<std::string>()).second);
  }
  CHECK(keys.size() == 3);
  // What it persists now restores again.
  SyncCore again = makeClient();
  syncore::Status s = again.restore(restored.exportRecords(), c);
  INFO(s.message);
  CHECK(s.isOk());
  CHECK(again.pendingMutations() == restored.pendingMutations());
}
}  // namespace test_fuzz_regressions
