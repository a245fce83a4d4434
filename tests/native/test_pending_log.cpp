// Pending log and view: optimistic mutations, acks, rejections, temp ids.
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_pending_log {

using namespace synctest;

TEST_CASE("pending_log: a mutation changes the view at once and emits a change set") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","title":"milk","done":false}}])");
  Commit c;
  std::string m = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"},
                                {"data", {{"id", "1"}, {"title", "milk"}, {"done", true}}}}, 1000, &c);
  CHECK_FALSE(m.empty());
  CHECK(view(core, "1")["done"] == true);
  CHECK(c.changes.collections["todos"].updated == std::vector<std::string>{"1"});
  auto pending = core.pendingMutations();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["data"] == json::parse(R"({"done":true})"));  // the patch, diffed from the edit
  CHECK(pending[0]["mutationIds"][0] == m);
}

TEST_CASE("pending_log: an edit that changes nothing is no mutation") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","t":"a"}}])");
  std::string m = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"data", {{"id", "1"}, {"t", "a"}}}});
  CHECK(m.empty());
  std::string p = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"t", "a"}}}});
  CHECK(p.empty());  // a patch that sets what is already there
  CHECK(core.pendingMutations().empty());
}

TEST_CASE("pending_log: bad mutations are refused with codes and change nothing") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}}])");
  struct Case { json request; syncore::ErrorCode code; };
  std::vector<Case> cases = {
      {json::array(), syncore::ErrorCode::WrongType},
      {{{"collection", "nope"}, {"op", "create"}, {"data", json::object()}}, syncore::ErrorCode::UnknownCollection},
      {{{"collection", "todos"}, {"op", "upsert"}}, syncore::ErrorCode::UnknownOp},
      {{{"collection", "todos"}, {"op", "create"}}, syncore::ErrorCode::WrongType},
      {{{"collection", "todos"}, {"op", "create"}, {"id", "1"}, {"data", json::object()}}, syncore::ErrorCode::AlreadyExists},
      {{{"collection", "todos"}, {"op", "update"}, {"data", {{"t", 1}}}}, syncore::ErrorCode::MissingId},
      {{{"collection", "todos"}, {"op", "update"}, {"id", "9"}, {"patch", {{"t", 1}}}}, syncore::ErrorCode::NotFound},
      {{{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"id", "2"}}}}, syncore::ErrorCode::IdMismatch},
      {{{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", "x"}}, syncore::ErrorCode::WrongType},
      {{{"collection", "todos"}, {"op", "delete"}, {"id", "9"}}, syncore::ErrorCode::NotFound},
      {{{"collection", "todos"}, {"op", "delete"}, {"id", "1"}, {"priority", "urgent"}}, syncore::ErrorCode::WrongType},
      {{{"collection", "todos"}, {"op", "delete"}, {"id", "1"}, {"strategy", "coin-flip"}}, syncore::ErrorCode::WrongType},
  };
  for (const Case& k : cases) {
    INFO(k.request.dump());
    Commit c;
    std::string id;
    syncore::Status s = core.mutate(k.request, 1000, c, id);
    CHECK(s.code == k.code);
    CHECK(id.empty());
  }
  CHECK(core.pendingMutations().empty());
  CHECK(view(core, "1") == json::parse(R"({"id":"1"})"));
}

TEST_CASE("pending_log: an ack folds the server's entity and version into confirmed state") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","n":1}}])");
  goOnline(core);
  Commit c;
  std::string m = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"n", 2}}}}, 1000, &c);
  auto out = sent(c);
  REQUIRE(out.size() == 1);
  CHECK(out[0]["baseVersion"] == 1);
  json ack = {{"op", "ack"}, {"key", out[0]["key"]}, {"version", 2}, {"data", {{"id", "1"}, {"n", 2}, {"stamp", "server"}}}};
  Commit a = server(core, json::array({ack}));
  CHECK(view(core, "1")["stamp"] == "server");
  std::int64_t v = 0;
  REQUIRE(core.entityVersion("todos", "1", v).isOk());
  CHECK(v == 2);
  CHECK(core.pendingMutations().empty());
  auto acked = settled(a, "acked");
  REQUIRE(acked.size() == 1);
  CHECK(acked[0]["mutationIds"][0] == m);
  // a duplicate ack is harmless
  Commit again = server(core, json::array({ack}));
  CHECK(settled(again, "acked").empty());
  CHECK(again.changes.empty());
}

TEST_CASE("pending_log: two edits of one entity, the first rejected: the second survives") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","a":0,"b":0}}])");
  goOnline(core);
  Commit c1;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"a", 1}}}}, 1000, &c1);
  auto first = sent(c1);
  REQUIRE(first.size() == 1);  // in flight: the second edit cannot fold into it
  std::string second = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"b", 2}}}});
  CHECK(view(core, "1") == json::parse(R"({"id":"1","a":1,"b":2})"));
  Commit r = server(core, json::array({{{"op", "reject"}, {"key", first[0]["key"]}, {"class", "validation"}, {"message", "a must be even"}}}));
  // exactly confirmed + second edit
  CHECK(view(core, "1") == json::parse(R"({"id":"1","a":0,"b":2})"));
  auto dead = settled(r, "dead-letter");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["message"] == "a must be even");
  REQUIRE(core.deadLetters().size() == 1);
  CHECK(core.deadLetters()[0]["message"] == "a must be even");
  auto pending = core.pendingMutations();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["mutationIds"][0] == second);
  // the surviving edit is sent next
  CHECK(sent(r).size() == 1);
}

TEST_CASE("pending_log: a create gets a temp id, remapped to the server's id on ack") {
  SyncCore core = makeClient();
  std::uint32_t sub = 0;
  Commit c;
  std::string m = mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "new"}}}}, 1000, &c);
  REQUIRE(c.changes.collections["todos"].created.size() == 1);
  const std::string temp = c.changes.collections["todos"].created[0];
  CHECK(temp.rfind("tmp-c1-", 0) == 0);
  CHECK(view(core, temp)["id"] == temp);
  REQUIRE(core.subscribe("todos", temp, sub).isOk());
  // a second entity refers to the first by its temp id
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "child"}, {"data", {{"parent", temp}}}});
  // and a later edit of the temp entity is coalesced (nothing sent yet: offline)
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", temp}, {"patch", {{"done", true}}}});
  Commit on = goOnline(core);
  auto out = sent(on);
  // Only the temp entity's create goes: the child names its temp id and waits for its ack.
  REQUIRE(out.size() == 1);
  CHECK(out[0]["kind"] == "create");
  CHECK(out[0]["data"]["done"] == true);
  Commit a = server(core, json::array({{{"op", "ack"}, {"key", out[0]["key"]}, {"id", "s42"}, {"version", 1}}}));
  CHECK(a.renamed["todos"][temp] == "s42");
  CHECK(view(core, temp).is_null());
  CHECK(view(core, "s42")["title"] == "new");
  CHECK(view(core, "s42")["id"] == "s42");
  CHECK(a.changes.collections["todos"].deleted == std::vector<std::string>{temp});
  CHECK(a.changes.collections["todos"].created.front() == "s42");
  CHECK(std::find(a.notify.begin(), a.notify.end(), sub) != a.notify.end());  // the subscriber moved with it
  // the child goes now, its reference renamed (issue 12, item 13: before, it went in the same
  // push as the create and reached the server with the temp id)
  REQUIRE(sent(a).size() == 1);
  CHECK(sent(a)[0]["id"] == "child");
  CHECK(sent(a)[0]["data"]["parent"] == "s42");
  auto acked = settled(a, "acked");
  REQUIRE(acked.size() == 1);
  CHECK(acked[0]["id"] == "s42");
  (void)m;
}

TEST_CASE("pending_log: queued references to a temp id are rewritten when it is remapped") {
  SyncCore core = makeClient();
  core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"batchSize", 1}, {"maxInFlightBatches", 1}});
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "parent"}}}}, 1000, &c);
  const std::string temp = c.changes.collections["todos"].created[0];
  Commit on = goOnline(core);
  auto out = sent(on);
  REQUIRE(out.size() == 1);
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"id", "child"}, {"data", {{"parent", temp}}}});
  CHECK(view(core, "child")["parent"] == temp);
  Commit a = server(core, json::array({{{"op", "ack"}, {"key", out[0]["key"]}, {"id", "s1"}, {"version", 1}}}));
  CHECK(view(core, "child")["parent"] == "s1");
  auto next = sent(a);
  REQUIRE(next.size() == 1);
  CHECK(next[0]["data"]["parent"] == "s1");
}

TEST_CASE("pending_log: a delete rolls back on rejection") {
  SyncCore core = makeClient();
  server(core, R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1"}}])");
  goOnline(core);
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", "1"}}, 1000, &c);
  CHECK(view(core, "1").is_null());
  CHECK(c.changes.collections["todos"].deleted == std::vector<std::string>{"1"});
  Commit r = server(core, json::array({{{"op", "reject"}, {"key", sent(c)[0]["key"]}, {"class", "validation"}, {"message", "locked"}}}));
  CHECK(view(core, "1") == json::parse(R"({"id":"1"})"));
  CHECK(r.changes.collections["todos"].created == std::vector<std::string>{"1"});
}

TEST_CASE("pending_log: the echo of a create names the server's id and remaps like an ack") {
  SyncCore core = makeClient();
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "new"}}}}, 1000, &c);
  const std::string temp = c.changes.collections["todos"].created[0];
  Commit on = goOnline(core);
  const std::string key = sent(on)[0]["key"];
  json echo = json::array({{{"op", "upsert"}, {"collection", "todos"}, {"id", "s7"}, {"version", 1},
                            {"data", {{"id", "s7"}, {"title", "new"}}}, {"origin", key}}});
  Commit e = server(core, echo);
  CHECK(e.renamed["todos"][temp] == "s7");
  CHECK(view(core, "s7")["title"] == "new");
  CHECK(view(core, temp).is_null());
  // the push_result that follows is a duplicate ack: ignored
  Commit late = server(core, json::array({{{"op", "ack"}, {"key", key}, {"id", "s7"}, {"version", 1}}}));
  CHECK(late.changes.empty());
  std::size_t n = 0;
  REQUIRE(core.count("todos", n).isOk());
  CHECK(n == 1);
}
}  // namespace test_pending_log
