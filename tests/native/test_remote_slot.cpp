// A remote write looks its entity up once (Collection::slot) and the commit finds the entity's
// touch by a mark on the entity, not by its id (sync_commit.cpp), falling back to the id after an
// erase (a rename) or a touch of an id the store did not hold. The change set must stay what a
// reader sees: over random batches (upserts, stale ones, deletes, renames, the same entity
// several times, two collections, with and without pending local edits), each id's entry is
// exactly what its view before and after the batch says: created, deleted, or updated (every
// write brings a value never seen, so an accepted write always changes the data): the rule the
// path before the slots followed too (this file passes against that core's library as well).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/prng.hpp"
#include "sync_test_util.hpp"

namespace test_remote_slot {

using namespace synctest;

namespace {

const char* const kCollections[] = {"todos", "notes"};

using Views = std::map<std::pair<std::string, std::string>, json>;

Views viewsOf(const SyncCore& core, const std::set<std::pair<std::string, std::string>>& keys) {
  Views out;
  for (const auto& [collection, id] : keys) out[{collection, id}] = view(core, id, collection);
  return out;
}

// The change set as the views say it must be, by collection: created, updated, deleted.
std::map<std::string, std::vector<std::set<std::string>>> expectedChanges(const Views& before, const Views& after) {
  std::map<std::string, std::vector<std::set<std::string>>> out;
  for (const auto& [key, was] : before) {
    const json& now = after.at(key);
    auto& sets = out[key.first];
    sets.resize(3);
    if (was.is_null() && !now.is_null()) sets[0].insert(key.second);
    else if (!was.is_null() && !now.is_null() && was != now) sets[1].insert(key.second);
    else if (!was.is_null() && now.is_null()) sets[2].insert(key.second);
  }
  return out;
}

std::set<std::string> asSet(const std::vector<std::string>& ids, bool& unique) {
  std::set<std::string> out(ids.begin(), ids.end());
  unique = unique && out.size() == ids.size();
  return out;
}

void runSeed(std::uint64_t seed, int pendingEdits) {
  syncore::Prng rng(seed);
  auto below = [&](std::uint64_t n) { return static_cast<int>(rng.next() % n); };
  SyncCore core = twoCollections();
  int value = 0;  // every write's data holds a value never written before
  std::map<std::pair<std::string, std::string>, int> version;
  constexpr int kIds = 40;
  auto idOf = [](int i) { return "e" + std::to_string(i); };
  json load = json::array();
  for (const char* col : kCollections) {
    for (int i = 0; i < kIds; i += 2) {  // half the ids held at the start
      load.push_back({{"op", "upsert"}, {"collection", col}, {"id", idOf(i)}, {"version", 1},
                      {"data", {{"id", idOf(i)}, {"n", ++value}}}});
      version[{col, idOf(i)}] = 1;
    }
  }
  server(core, json{{"ops", load}});
  std::set<std::pair<std::string, std::string>> deletedHere;
  for (int k = 0; k < pendingEdits; ++k) {  // local edits that stay pending (offline): every remote write on them rebases
    const std::string id = idOf(2 * below(kIds / 2));
    const char* col = kCollections[below(2)];
    if (deletedHere.count({col, id}) != 0) continue;  // gone from the view: nothing to edit
    if (below(4) == 0) {
      mutate(core, {{"collection", col}, {"op", "delete"}, {"id", id}});
      deletedHere.insert({col, id});
    } else
    {
      mutate(core, {{"collection", col}, {"op", "update"}, {"id", id}, {"patch", {{"mine", ++value}}}});
    }
  }
  for (int batch = 0; batch < 12; ++batch) {
    json ops = json::array();
    std::set<std::pair<std::string, std::string>> keys;
    const int n = 1 + below(batch % 3 == 0 ? 4 : 40);  // a few (the scan) or many touches (past it)
    for (int k = 0; k < n; ++k) {
      const char* col = kCollections[below(4) == 0 ? 1 : 0];
      const std::string id = idOf(below(kIds));
      keys.insert({col, id});
      int& v = version[{col, id}];
      const int kind = below(10);
      if (kind == 0) {  // a rename of a held id to one never used (erases the entity under the old id)
        const std::string to = "r" + std::to_string(++value);
        keys.insert({col, to});
        ops.push_back({{"op", "rename"}, {"collection", col}, {"from", id}, {"to", to}});
        continue;
      }
      const int written = kind == 1 && v > 1 ? v - 1 : v + 1 + below(2);  // kind 1: stale (ignored)
      if (kind != 1) v = written;
      if (kind == 2) ops.push_back({{"op", "delete"}, {"collection", col}, {"id", id}, {"version", written}});
      else
        ops.push_back({{"op", "upsert"}, {"collection", col}, {"id", id}, {"version", written},
                       {"data", {{"id", id}, {"n", ++value}}}});
    }
    const Views before = viewsOf(core, keys);
    Commit c = server(core, json{{"ops", ops}});
    const Views after = viewsOf(core, keys);
    const auto expected = expectedChanges(before, after);
    const std::string opsText = ops.dump();
    INFO("seed " << seed << ", pending " << pendingEdits << ", batch " << batch << ": " << opsText);
    bool unique = true;
    for (const char* col : kCollections) {
      std::vector<std::set<std::string>> want(3);
      if (auto it = expected.find(col); it != expected.end()) want = it->second;
      std::vector<std::set<std::string>> got(3);
      if (auto it = c.changes.collections.find(col); it != c.changes.collections.end()) {
        got[0] = asSet(it->second.created, unique);
        got[1] = asSet(it->second.updated, unique);
        got[2] = asSet(it->second.deleted, unique);
      }
      CHECK(got == want);
      // The store's count of live entities in the view, kept through the overlaid flags.
      std::size_t count = 0;
      json list;
      REQUIRE(core.count(col, count).isOk());
      REQUIRE(core.list(col, list).isOk());
      CHECK(count == list.size());
    }
    CHECK(unique);  // each entity once
  }
}

}  // namespace

TEST_CASE("remote slots: the change set is what the views say, over random batches with no pending edits") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) runSeed(seed, 0);
}

TEST_CASE("remote slots: the same with pending local edits (updates and deletes) that remote writes rebase") {
  for (std::uint64_t seed = 100; seed <= 140; ++seed) runSeed(seed, 12);
}

TEST_CASE("remote slots: a commit after one that erased leaves no stale mark behind") {
  // A rename erases the entity under the old id mid-batch; the entities touched in that commit
  // lose their marks all the same, so the next commit reports each of them once, as it ends.
  SyncCore core = twoCollections();
  json ops = json::array();
  for (int i = 0; i < 20; ++i)
    ops.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", "e" + std::to_string(i)}, {"version", 1},
                   {"data", {{"id", "e" + std::to_string(i)}, {"n", i}}}});
  server(core, json{{"ops", ops}});
  json mixed = json::array();
  for (int i = 0; i < 12; ++i)
    mixed.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", "e" + std::to_string(i)}, {"version", 2},
                     {"data", {{"id", "e" + std::to_string(i)}, {"n", 100 + i}}}});
  mixed.push_back({{"op", "rename"}, {"collection", "todos"}, {"from", "e3"}, {"to", "s3"}});
  mixed.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", "e3"}, {"version", 5},
                   {"data", {{"id", "e3"}, {"n", 300}}}});  // the old id comes back after the erase
  mixed.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", "e4"}, {"version", 3},
                   {"data", {{"id", "e4"}, {"n", 301}}}});  // touched before the erase, again after
  Commit c = server(core, json{{"ops", mixed}});
  auto& todos = c.changes.collections["todos"];
  CHECK(todos.created == std::vector<std::string>{"s3"});
  CHECK(todos.updated.size() == 12);  // e0..e11 once each (e3 re-made: live before and after)
  CHECK(todos.deleted.empty());
  CHECK(view(core, "e3") == json({{"id", "e3"}, {"n", 300}}));
  CHECK(view(core, "s3") == json({{"id", "s3"}, {"n", 103}}));
  // The next commit: every one of them touched again, each reported once.
  json next = json::array();
  for (int i = 0; i < 12; ++i)
    next.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", "e" + std::to_string(i)}, {"version", 9},
                    {"data", {{"id", "e" + std::to_string(i)}, {"n", 400 + i}}}});
  next.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", "e4"}, {"version", 10},
                  {"data", {{"id", "e4"}, {"n", 500}}}});
  Commit d = server(core, json{{"ops", next}});
  auto updated = d.changes.collections["todos"].updated;
  CHECK(updated.size() == 12);
  CHECK(std::set<std::string>(updated.begin(), updated.end()).size() == 12);
  CHECK(view(core, "e4") == json({{"id", "e4"}, {"n", 500}}));
}

}  // namespace test_remote_slot
