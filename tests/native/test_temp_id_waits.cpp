// An entry that names a temp id leaves only after that id's create is acknowledged (issue 12,
// item 13): the ack renames the id in what is still queued, never in what is already on its way.
// Before, a push large enough to carry both the create and an entry naming it (or an entry
// queued while the create was in flight) reached the server with the temp id.
#include "sync/outbox.hpp"
#include "sync_test_util.hpp"
#include "temp_id_fixture.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_temp_id_waits {

using namespace synctest;
using namespace temp_id_fixture;

namespace {

// Pushes large enough to carry every queued entry at once.
json bigPushes(std::uint64_t seed = 7) { return clientConfig(seed, 1000); }

}  // namespace

TEST_CASE("temp ids: a create naming another's temp id waits out a big push and goes with the server id", "[tempids]") {
  SyncCore core = configuredClient(bigPushes());
  const std::string parent = createTodo(core, {{"title", "parent"}});
  const std::string child = createTodo(core, {{"title", "child"}, {"parent", parent}});
  // Unrelated creates go along: only the child waits.
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "other"}}}});

  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 2);
  CHECK(sent(on)[0]["id"] == parent);
  CHECK(sent(on)[1]["data"]["title"] == "other");
  Commit acked = server(core, ack(sent(on)[0], "s1"));
  REQUIRE(sent(acked).size() == 1);
  CHECK(sent(acked)[0]["id"] == child);
  CHECK(sent(acked)[0]["data"]["parent"] == "s1");
}

TEST_CASE("temp ids: an entry made while the create it names is in flight waits for its ack, also across a restart", "[tempids]") {
  SyncCore core = configuredClient(bigPushes());
  const std::string parent = createTodo(core, {{"title", "parent"}});
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  const json parentSent = sent(on)[0];

  Commit m2, m3;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"parent", parent}}}}, 1000, &m2);
  CHECK(sent(m2).empty());
  server(core, R"([{"op":"upsert","collection":"todos","id":"e1","version":1,"data":{"id":"e1"}}])");
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "e1"}, {"patch", {{"tags", {"x", parent}}}}}, 1000, &m3);
  CHECK(sent(m3).empty());

  // A restart while the parent's create is unanswered: the waits are rebuilt from the records.
  SyncCore restored = restoredClient(core.exportRecords(), bigPushes(9));
  Commit again = goOnline(restored);
  REQUIRE(sent(again).size() == 1);  // the parent's create again, same key; nothing naming it
  CHECK(sent(again)[0]["key"] == parentSent["key"]);

  Commit acked = server(restored, ack(parentSent, "s1"));
  std::vector<json> out = sent(acked);
  REQUIRE(out.size() == 2);
  CHECK(out[0]["data"]["parent"] == "s1");
  CHECK(out[1]["id"] == "e1");
  CHECK(out[1]["data"]["tags"] == json({"x", "s1"}));
}

TEST_CASE("temp ids: two creates that name each other go one after the other, each naming the other's server id", "[tempids]") {
  SyncCore core = configuredClient(bigPushes());
  const std::string a = createTodo(core, {{"title", "a"}});
  const std::string b = createTodo(core, {{"title", "b"}, {"link", a}});
  // a's create is still queued: folding this edit into it would make it name b, created later,
  // and the two would wait for each other. It stays a separate entry behind b's create.
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", a}, {"patch", {{"link", b}}}});
  CHECK(core.pendingMutations().size() == 3);

  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  CHECK(sent(on)[0]["id"] == a);
  CHECK_FALSE(sent(on)[0]["data"].contains("link"));
  Commit ackA = server(core, ack(sent(on)[0], "sA"));
  REQUIRE(sent(ackA).size() == 1);
  CHECK(sent(ackA)[0]["id"] == b);
  CHECK(sent(ackA)[0]["data"]["link"] == "sA");
  Commit ackB = server(core, ack(sent(ackA)[0], "sB"));
  REQUIRE(sent(ackB).size() == 1);
  CHECK(sent(ackB)[0]["id"] == "sA");
  CHECK(sent(ackB)[0]["data"] == json({{"link", "sB"}}));
  server(core, json::array({{{"op", "ack"}, {"key", sent(ackB)[0]["key"]}, {"version", 2}}}));
  CHECK(core.pendingMutations().empty());
  CHECK(view(core, "sA")["link"] == "sB");
  CHECK(view(core, "sB")["link"] == "sA");
}

TEST_CASE("temp ids: Outbox holds back an entry naming an earlier unacknowledged create, never one naming a later one", "[tempids]") {
  syncore::OutboxConfig config;
  config.batchSize = 100;
  syncore::Outbox box("c1", config, 1);
  auto add = [&](const std::string& id, syncore::MutationKind kind, json payload) {
    return enqueue(box, id, kind, std::move(payload));
  };
  const auto a = add("tmp-a", syncore::MutationKind::Create, {{"id", "tmp-a"}});
  const auto b = add("tmp-b", syncore::MutationKind::Create, {{"id", "tmp-b"}, {"up", "tmp-a"}});
  const auto x = add("x", syncore::MutationKind::Update, {{"to", "tmp-c"}});  // tmp-c: no create of ours
  CHECK_FALSE(box.awaitsTempCreate(*box.find(a)));
  CHECK(box.awaitsTempCreate(*box.find(b)));
  CHECK_FALSE(box.awaitsTempCreate(*box.find(x)));
  auto first = box.takeBatch(0);
  REQUIRE(first);
  CHECK(first->seqs == std::vector<std::uint64_t>({a, x}));
  REQUIRE(box.ack(a));
  CHECK_FALSE(box.awaitsTempCreate(*box.find(b)));  // its create left the log (the core renames it)
  auto second = box.takeBatch(0);
  REQUIRE(second);
  CHECK(second->seqs == std::vector<std::uint64_t>{b});
}
}  // namespace test_temp_id_waits
