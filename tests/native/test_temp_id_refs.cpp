// Temp id -> server id: an ack rewrites every queued reference to the temp id (issue 12, item 13).
// The outbox indexes which entries mention which temp id, so an ack visits only those; these
// tests hold that the index misses nothing as payloads are appended, coalesced, rebased, removed
// and restored, and that a rename of an id that is not a temp id still reaches every entry.
#include "sync/outbox.hpp"
#include "sync_test_util.hpp"
#include "temp_id_fixture.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_temp_id_refs {

using namespace synctest;
using namespace temp_id_fixture;

namespace {

// The pending entry of (collection, id) with the given kind, or null.
json pendingOf(const SyncCore& core, const std::string& id, const std::string& kind) {
  for (const json& p : core.pendingMutations())
    if (p["id"] == id && p["kind"] == kind) return p;
  return nullptr;
}

// One entry per push, one push at a time: what follows the first create waits in the queue.
json oneAtATime(std::uint64_t seed = 7) { return clientConfig(seed, 1, 1); }

}  // namespace

TEST_CASE("temp ids: an ack rewrites every queued reference to the temp id, and nothing else", "[tempids]") {
  SyncCore core = configuredClient(oneAtATime());
  server(core, R"([{"op":"upsert","collection":"todos","id":"e1","version":1,"data":{"id":"e1"}},
                   {"op":"upsert","collection":"todos","id":"e2","version":1,"data":{"id":"e2"}},
                   {"op":"upsert","collection":"todos","id":"e3","version":1,"data":{"id":"e3"}}])");
  const std::string temp = createTodo(core, {{"title", "parent"}});
  REQUIRE(temp.rfind("tmp-", 0) == 0);
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);  // the parent's create is in flight; what follows is queued
  const json parentSent = sent(on)[0];

  // A create naming it in a field, inside an array and deeper inside an object.
  const std::string childId = createTodo(core, {{"parent", temp}, {"tags", {temp, "x"}}, {"deep", {{"ref", temp}, {"n", 1}}}});
  // An update naming it.
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "e1"}, {"patch", {{"owner", temp}}}});
  // An update that named it, then (coalesced) no longer does: left alone.
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "e2"}, {"patch", {{"owner", temp}}}});
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "e2"}, {"patch", {{"owner", "ann"}}}});
  // An update that names it only through a later coalesced edit.
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "e3"}, {"patch", {{"a", 1}}}});
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "e3"}, {"patch", {{"link", temp}}}});
  // An edit of the temp entity itself (the entity id is renamed) and a look-alike string.
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", temp}, {"patch", {{"done", true}}}});
  const std::string otherId = createTodo(core, {{"note", temp + "-not-the-same"}});

  Commit a = server(core, ack(parentSent, "s1"));
  CHECK(a.renamed["todos"][temp] == "s1");

  json c = pendingOf(core, childId, "create");
  REQUIRE(c.is_object());
  CHECK(c["data"]["parent"] == "s1");
  CHECK(c["data"]["tags"] == json({"s1", "x"}));
  CHECK(c["data"]["deep"] == json({{"ref", "s1"}, {"n", 1}}));
  CHECK(c["data"]["id"] == childId);  // its own (temp) id is untouched
  CHECK(view(core, childId)["parent"] == "s1");
  CHECK(view(core, childId)["deep"]["ref"] == "s1");
  CHECK(pendingOf(core, "e1", "update")["data"] == json({{"owner", "s1"}}));
  CHECK(view(core, "e1")["owner"] == "s1");
  CHECK(pendingOf(core, "e2", "update")["data"] == json({{"owner", "ann"}}));
  CHECK(pendingOf(core, "e3", "update")["data"] == json({{"a", 1}, {"link", "s1"}}));
  CHECK(view(core, "e3")["link"] == "s1");
  CHECK(pendingOf(core, "s1", "update")["data"] == json({{"done", true}}));
  CHECK(pendingOf(core, temp, "update").is_null());
  CHECK(view(core, "s1")["done"] == true);
  CHECK(pendingOf(core, otherId, "create")["data"]["note"] == temp + "-not-the-same");
  for (const json& p : core.pendingMutations()) CHECK(p["data"].dump().find("\"" + temp + "\"") == std::string::npos);
}

TEST_CASE("temp ids: references survive a restart and a second rename, and removed entries leave no trace", "[tempids]") {
  SyncCore core = configuredClient(oneAtATime());
  const std::string a = createTodo(core, {{"title", "a"}});
  const std::string b = createTodo(core, {{"title", "b"}, {"sibling", a}});
  const std::string c = createTodo(core, {{"links", {a, b}}});
  // A deleted create leaves the index with it: the rename below must not trip over it.
  const std::string gone = createTodo(core, {{"ref", a}});
  mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", gone}});

  // Restart from what was persisted: the index is rebuilt from the restored entries.
  json records = core.exportRecords();
  SyncCore restored = restoredClient(records, oneAtATime(9));

  Commit on = goOnline(restored);
  REQUIRE(sent(on).size() == 1);
  Commit ackA = server(restored, ack(sent(on)[0], "sA"));
  CHECK(pendingOf(restored, b, "create")["data"]["sibling"] == "sA");
  CHECK(pendingOf(restored, c, "create")["data"]["links"] == json({"sA", b}));
  REQUIRE(sent(ackA).size() == 1);  // b goes out now, already naming sA
  CHECK(sent(ackA)[0]["data"]["sibling"] == "sA");
  server(restored, ack(sent(ackA)[0], "sB"));
  CHECK(pendingOf(restored, c, "create")["data"]["links"] == json({"sA", "sB"}));
  CHECK(view(restored, c)["links"] == json({"sA", "sB"}));
}

TEST_CASE("temp ids: a server that renames an id not of the tmp- form still has every reference rewritten", "[tempids]") {
  SyncCore core = configuredClient(oneAtATime());
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "local-1"}, {"data", {{"title", "a"}}}});
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  const std::string child = createTodo(core, {{"parent", "local-1"}});
  server(core, ack(sent(on)[0], "s9"));
  CHECK(pendingOf(core, child, "create")["data"]["parent"] == "s9");
}

TEST_CASE("temp ids: Outbox::entriesMentioning follows payload changes", "[tempids]") {
  syncore::Outbox box("c1", syncore::OutboxConfig{}, 1);
  auto add = [&](const std::string& id, syncore::MutationKind kind, json payload) {
    return enqueue(box, id, kind, std::move(payload));
  };
  const auto s1 = add("x", syncore::MutationKind::Create, {{"ref", "tmp-a"}});
  const auto s2 = add("y", syncore::MutationKind::Update, {{"n", 1}});
  CHECK(box.entriesMentioning("tmp-a") == std::vector<std::uint64_t>{s1});
  CHECK(box.entriesMentioning("tmp-b").empty());
  add("y", syncore::MutationKind::Update, {{"list", {"tmp-a", "tmp-b"}}});  // coalesced into s2
  CHECK(box.entriesMentioning("tmp-a") == std::vector<std::uint64_t>({s1, s2}));
  CHECK(box.entriesMentioning("tmp-b") == std::vector<std::uint64_t>{s2});
  REQUIRE(box.replacePayload(s2, {{"list", {"sA"}}}, -1));
  CHECK(box.entriesMentioning("tmp-a") == std::vector<std::uint64_t>{s1});
  CHECK(box.entriesMentioning("tmp-b").empty());
  REQUIRE(box.remove(s1));
  CHECK(box.entriesMentioning("tmp-a").empty());
  // Anything else is not indexed: every entry may mention it.
  CHECK(box.entriesMentioning("sA") == std::vector<std::uint64_t>{s2});
}

TEST_CASE("temp ids: a rename change moves an entity held confirmed under its temp id, with its pending edit", "[tempids]") {
  // A follower tab (js/tabs/): its create was acknowledged under the temp id (durable in the
  // leader) before the server named the entity; the rename comes later, as a change.
  SyncCore core = makeClient();
  const std::string temp = createTodo(core, {{"title", "x"}});
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  server(core, json::array({{{"op", "ack"}, {"key", sent(on)[0]["key"]}, {"id", temp}, {"version", 3}}}));
  REQUIRE(view(core, temp)["title"] == "x");
  REQUIRE(core.pendingMutations().empty());
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", temp}, {"patch", {{"n", 1}}}});

  Commit r = server(core, json::array({{{"op", "rename"}, {"collection", "todos"}, {"from", temp}, {"to", "s1"}}}));
  CHECK(r.renamed["todos"][temp] == "s1");
  CHECK(view(core, temp).is_null());
  CHECK(view(core, "s1") == json({{"id", "s1"}, {"title", "x"}, {"n", 1}}));
  CHECK(pendingOf(core, "s1", "update")["data"] == json({{"n", 1}}));
  CHECK(pendingOf(core, temp, "update").is_null());
  const auto& changed = r.changes.collections.at("todos");
  CHECK(changed.deleted == std::vector<std::string>{temp});
  CHECK(changed.created == std::vector<std::string>{"s1"});

  // The delete of the temp id that comes with the rename, and the rename again: nothing left to move.
  server(core, json::array({{{"op", "delete"}, {"collection", "todos"}, {"id", temp}, {"version", 9}}}));
  Commit again = server(core, json::array({{{"op", "rename"}, {"collection", "todos"}, {"from", temp}, {"to", "s1"}}}));
  CHECK(again.renamed.empty());
  json rows;
  REQUIRE(core.list("todos", rows).isOk());
  CHECK(rows == json::array({{{"id", "s1"}, {"title", "x"}, {"n", 1}}}));
}
}  // namespace test_temp_id_refs
