// The query index (store/field_index.hpp): live queries read the fields they use from columns the
// collection keeps current on every write. Checked through SyncCore's live query API against the
// unindexed answer: filter + sort + window over the view's entity trees (query.cpp's matches and
// compareEntities, what queries read before the index).
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/query.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_field_index {

using namespace synctest;
using syncore::QuerySpec;
using syncore::QueryUpdate;

namespace {

// The unindexed answer: every live entity of the view as a tree, filtered, sorted, windowed.
QueryUpdate bruteForce(const SyncCore& core, const json& spec, const std::set<std::string>& ids) {
  QuerySpec q;
  REQUIRE(syncore::parseQuerySpec(spec, q).isOk());
  std::vector<std::pair<std::string, json>> hits;
  for (const auto& id : ids) {
    syncore::EntityRef e;
    REQUIRE(core.get(q.collection, id, e).isOk());
    if (e != nullptr && syncore::matches(q, *e)) hits.emplace_back(id, *e);
  }
  std::sort(hits.begin(), hits.end(), [&](const auto& a, const auto& b) {
    return syncore::compareEntities(q, a.second, a.first, b.second, b.first) < 0;
  });
  QueryUpdate out;
  out.total = hits.size();
  for (std::size_t i = q.offset; i < hits.size(); ++i) {
    if (q.limit != 0 && out.ids.size() == q.limit) break;
    out.ids.push_back(hits[i].first);
  }
  return out;
}

json indexedFields(const SyncCore& core) { return core.stats()["collections"]["todos"]["indexedFields"]; }

// Values of every type the sort order knows, so mixed-type comparisons are exercised.
json randomValue(std::mt19937& rng) {
  switch (rng() % 9) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int>(rng() % 7) - 3;
    case 3: return static_cast<double>(rng() % 13) / 4.0 - 1.0;
    case 4: return std::string(1, static_cast<char>('a' + rng() % 4));
    case 5: return json::array({static_cast<int>(rng() % 3), "x"});
    case 6: return {{"n", static_cast<int>(rng() % 4)}};
    case 7: return static_cast<unsigned>(rng() % 5);
    default: return "\xc3\xa9" + std::string(1, static_cast<char>('a' + rng() % 2));  // é: code points past ASCII
  }
}

const char* const kFields[] = {"a", "b", "c", "tags"};

json randomEntity(std::mt19937& rng, const std::string& id) {
  json data = {{"id", id}};
  for (const char* f : kFields)
    if (rng() % 4 != 0) data[f] = randomValue(rng);  // sometimes missing
  return data;
}

json randomSpec(std::mt19937& rng) {
  static const char* const kOps[] = {"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"};
  static const char* const kPaths[] = {"a", "b", "c", "tags", "c.n", "tags.0", "a"};
  json spec = {{"collection", "todos"}};
  json where = json::array();
  for (unsigned n = rng() % 3; n > 0; --n) {
    const char* op = kOps[rng() % 8];
    json value = std::string(op) == "in" ? json::array({randomValue(rng), randomValue(rng)}) : randomValue(rng);
    where.push_back({kPaths[rng() % 7], op, value});
  }
  if (!where.empty()) spec["where"] = where;
  json order = json::array();
  for (unsigned n = rng() % 3; n > 0; --n) order.push_back({kPaths[rng() % 7], rng() % 2 ? "asc" : "desc"});
  if (!order.empty()) spec["orderBy"] = order;
  if (rng() % 2) spec["limit"] = rng() % 5 + 1;
  if (rng() % 3 == 0) spec["offset"] = rng() % 3;
  return spec;
}

void checkAll(const SyncCore& core, const std::map<std::uint32_t, json>& open, const std::set<std::string>& ids) {
  for (const auto& [qid, spec] : open) {
    QueryUpdate got;
    REQUIRE(core.queryResult(qid, got).isOk());
    const QueryUpdate want = bruteForce(core, spec, ids);
    INFO("query " << spec.dump());
    CHECK(got.ids == want.ids);
    CHECK(got.total == want.total);
  }
}

}  // namespace

TEST_CASE("field index: live queries answer as the unindexed scan over random writes, rebases, restores") {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    PersistedRecords storage;
    SyncCore core = makeClient({{"strategy", "server-wins"}});
    std::set<std::string> ids;
    std::map<std::uint32_t, json> open;
    std::int64_t version = 1;
    auto id = [&] { return "e" + std::to_string(rng() % 24); };
    for (int step = 0; step < 160; ++step) {
      Commit c;
      const unsigned what = rng() % 100;
      if (what < 30) {  // remote upsert (a rebase when the entity has pending edits)
        const std::string e = id();
        ids.insert(e);
        c = server(core, json::array({{{"op", "upsert"}, {"collection", "todos"}, {"id", e}, {"version", ++version}, {"data", randomEntity(rng, e)}}}));
      } else if (what < 38) {  // remote delete
        c = server(core, json::array({{{"op", "delete"}, {"collection", "todos"}, {"id", id()}, {"version", ++version}}}));
      } else if (what < 55) {  // local update: an overlay over the confirmed text
        const std::string e = id();
        if (view(core, e).is_null()) continue;
        json patch = json::object();
        patch[kFields[rng() % 4]] = rng() % 5 == 0 ? json(nullptr) : randomValue(rng);  // null: removes it
        mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", e}, {"patch", patch}}, 1000, &c);
      } else if (what < 60) {  // local delete
        const std::string e = id();
        if (view(core, e).is_null()) continue;
        mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", e}}, 1000, &c);
      } else if (what < 66) {  // online: everything pending is sent and acknowledged
        storage.apply(c = goOnline(core));
        json acks = json::array();
        for (const json& m : sent(c)) acks.push_back({{"op", "ack"}, {"key", m["key"]}, {"version", ++version}});
        if (!acks.empty()) storage.apply(server(core, acks));
        Commit off;
        REQUIRE(core.setOnline(false, 1000, off).isOk());
        c = off;
      } else if (what < 80) {  // a query opens (its fields indexed now, or shared with one open)
        QueryUpdate first;
        const json spec = randomSpec(rng);
        REQUIRE(core.openQuery(spec, first).isOk());
        const QueryUpdate want = bruteForce(core, spec, ids);
        INFO("opened " << spec.dump());
        CHECK(first.ids == want.ids);
        CHECK(first.total == want.total);
        open[first.query] = spec;
      } else if (what < 90) {  // a query closes: its fields go when no other query uses them
        if (open.empty()) continue;
        auto it = std::next(open.begin(), static_cast<std::ptrdiff_t>(rng() % open.size()));
        REQUIRE(core.closeQuery(it->first).isOk());
        open.erase(it);
      } else if (what < 94) {  // restart: the same queries reopened over the restored state
        Commit r;
        SyncCore fresh;
        REQUIRE(fresh.defineCollection("todos", {{"strategy", "server-wins"}}).isOk());
        REQUIRE(fresh.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}}).isOk());
        REQUIRE(fresh.restore(storage.all(), r).isOk());
        core = std::move(fresh);
        std::map<std::uint32_t, json> reopened;
        for (const auto& [qid, spec] : open) {
          QueryUpdate first;
          REQUIRE(core.openQuery(spec, first).isOk());
          reopened[first.query] = spec;
        }
        open = std::move(reopened);
      } else {  // compaction drops tombstones
        std::size_t dropped = 0;
        REQUIRE(core.compact("todos", -1, dropped).isOk());
      }
      storage.apply(c);
      checkAll(core, open, ids);
    }
    // Every field in a column is one some open query reads, and no other.
    std::set<std::string> used;
    for (const auto& [qid, spec] : open) {
      QuerySpec q;
      REQUIRE(syncore::parseQuerySpec(spec, q).isOk());
      for (const auto& p : q.where) used.insert(p.path[0]);
      for (const auto& k : q.orderBy) used.insert(k.path[0]);
    }
    const json columns = indexedFields(core);
    CHECK(std::set<std::string>(columns.begin(), columns.end()) == used);
  }
}

TEST_CASE("field index: a first answer sorted on integers (signed, unsigned, ties, past int64) as the scan") {
  for (const char* dir : {"asc", "desc"}) {
    SyncCore core = makeClient();
    std::set<std::string> ids;
    json ops = json::array();
    // Ties on the key (decided by id), negatives, values at the edges of int64, one past it.
    const json ranks = json::array({3, -2, 3, 0, 9223372036854775807LL, -9223372036854775807LL - 1, 3, 7});
    for (std::size_t i = 0; i < ranks.size(); ++i) {
      const std::string id = "r" + std::to_string(i);
      ids.insert(id);
      ops.push_back({{"op", "upsert"}, {"collection", "todos"}, {"id", id}, {"version", 1}, {"data", {{"id", id}, {"rank", ranks[i]}}}});
    }
    server(core, ops);
    const json spec = {{"collection", "todos"}, {"orderBy", json::array({json::array({"rank", dir})})}};
    QueryUpdate first;
    REQUIRE(core.openQuery(spec, first).isOk());
    CHECK(first.ids == bruteForce(core, spec, ids).ids);
    // One unsigned value past int64 (the integer shortcut does not apply): the same answer.
    ids.insert("big");
    server(core, R"([{"op":"upsert","collection":"todos","id":"big","version":1,"data":{"id":"big","rank":18446744073709551615}}])");
    QueryUpdate second;
    REQUIRE(core.openQuery(spec, second).isOk());
    INFO(dir);
    CHECK(second.ids == bruteForce(core, spec, ids).ids);
    CHECK(second.ids.size() == 9);
  }
}

TEST_CASE("field index: a field is indexed while a query reads it and dropped when none does") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","rank":2,"done":false}},
                   {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2","rank":1,"done":true}}])");
  CHECK(indexedFields(core) == json::array());
  QueryUpdate byRank, open;
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","orderBy":["rank"]})"), byRank).isOk());
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","where":[["done","eq",false]],"orderBy":[["rank","desc"]]})"), open).isOk());
  CHECK(indexedFields(core) == json::array({"rank", "done"}));
  CHECK(byRank.ids == std::vector<std::string>{"2", "1"});
  CHECK(open.ids == std::vector<std::string>{"1"});
  REQUIRE(core.closeQuery(open.query).isOk());
  CHECK(indexedFields(core) == json::array({"rank"}));  // rank is still read by the first
  // The remaining column is still kept current: a remote write reorders the first query.
  Commit c = server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","rank":0}}])");
  REQUIRE(c.queries.size() == 1);
  CHECK(c.queries[0].ids == std::vector<std::string>{"1", "2"});
  REQUIRE(core.closeQuery(byRank.query).isOk());
  CHECK(indexedFields(core) == json::array());
}

TEST_CASE("field index: a write that moves no queried field or window member reports nothing") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","rank":1,"title":"a"}},
                   {"op":"upsert","collection":"todos","id":"2","version":1,"data":{"id":"2","rank":2,"title":"b"}},
                   {"op":"upsert","collection":"todos","id":"3","version":1,"data":{"id":"3","rank":3,"title":"c"}}])");
  QueryUpdate q;
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","orderBy":["rank"],"limit":2})"), q).isOk());
  // Outside the window, rank kept: the window and total stay, so no update.
  Commit c = server(core, R"([{"op":"upsert","collection":"todos","id":"3","version":2,"data":{"id":"3","rank":3,"title":"changed"}}])");
  CHECK(c.queries.empty());
  // Inside the window, another field changed: the row's data is new, so it is reported.
  Commit local;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "A"}}}}, 1000, &local);
  REQUIRE(local.queries.size() == 1);
  CHECK(local.queries[0].ids == std::vector<std::string>{"1", "2"});
}

}  // namespace test_field_index

namespace test_field_index {
namespace {
// An entity's text with its keys in reverse order and its id field sometimes left out (the text
// path sorts them and adds the id, as the tree path does).
std::string scrambled(const json& entity, bool withId) {
  std::string out = "{";
  std::vector<std::pair<std::string, std::string>> members;
  for (auto it = entity.begin(); it != entity.end(); ++it)
    if (withId || it.key() != "id") members.emplace_back(it.key(), it.value().dump());
  std::reverse(members.begin(), members.end());
  for (std::size_t i = 0; i < members.size(); ++i)
    out += (i > 0 ? ", " : " ") + json(members[i].first).dump() + " : " + members[i].second;
  return out + "}";
}
}  // namespace

TEST_CASE("field index: live queries stay current when server batches are written as canonical text") {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    SyncCore core = makeClient({{"strategy", "server-wins"}});
    std::set<std::string> ids;
    std::map<std::uint32_t, json> open;
    std::int64_t version = 1;
    auto id = [&] { return "e" + std::to_string(rng() % 16); };
    for (int step = 0; step < 160; ++step) {
      Commit c;
      const unsigned what = rng() % 100;
      if (what < 45) {  // remote upserts through the text path (rebases when edits are pending)
        std::string ops;
        for (unsigned n = rng() % 3 + 1; n > 0; --n) {
          const std::string e = id();
          ids.insert(e);
          if (!ops.empty()) ops += ',';
          ops += R"({"op":"upsert","collection":"todos","id":")" + e + R"(","version":)" + std::to_string(++version) +
                 R"(,"data":)" + scrambled(randomEntity(rng, e), rng() % 2 == 0) + "}";
        }
        REQUIRE(core.applyServerText("{\"ops\":[" + ops + "]}", 1000, c).isOk());
      } else if (what < 52) {
        REQUIRE(core.applyServerText(R"({"ops":[{"op":"delete","collection":"todos","id":")" + id() +
                                         R"(","version":)" + std::to_string(++version) + "}]}",
                                     1000, c)
                    .isOk());
      } else if (what < 65) {  // local update: an overlay
        const std::string e = id();
        if (view(core, e).is_null()) continue;
        json patch = json::object();
        patch[kFields[rng() % 4]] = randomValue(rng);
        mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", e}, {"patch", patch}}, 1000, &c);
      } else if (what < 85) {
        QueryUpdate first;
        const json spec = randomSpec(rng);
        REQUIRE(core.openQuery(spec, first).isOk());
        const QueryUpdate want = bruteForce(core, spec, ids);
        CHECK(first.ids == want.ids);
        open[first.query] = spec;
      } else if (!open.empty()) {
        auto it = std::next(open.begin(), static_cast<std::ptrdiff_t>(rng() % open.size()));
        REQUIRE(core.closeQuery(it->first).isOk());
        open.erase(it);
      }
      checkAll(core, open, ids);
    }
  }
}

}  // namespace test_field_index
