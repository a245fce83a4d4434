// Remote changes rebase the pending log; the collection's strategy decides conflicts.
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_rebase {

using namespace synctest;

namespace {

const char* kBase = R"([{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","title":"a","done":false,"meta":{"owner":"ann","tag":"x"}}}])";

json remote(int version, json data, const char* origin = nullptr) {
  data["id"] = "1";
  json op = {{"op", "upsert"}, {"collection", "todos"}, {"id", "1"}, {"version", version}, {"data", data}};
  if (origin != nullptr) op["origin"] = origin;
  return json::array({op});
}

std::vector<json> conflictEvents(const Commit& c) {
  std::vector<json> out;
  for (const json& e : toJsonList(c.events))
    if (e["type"] == "conflict") out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("rebase: a remote change on other fields keeps the local edit, no conflict") {
  SyncCore core = makeClient();
  server(core, kBase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "local"}}}});
  Commit c = server(core, remote(2, {{"title", "a"}, {"done", true}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  CHECK(view(core, "1")["title"] == "local");
  CHECK(view(core, "1")["done"] == true);
  CHECK(conflictEvents(c).empty());
  auto pending = core.pendingMutations();
  REQUIRE(pending.size() == 1);
  // rebased: the pending entry now names the new base version
  Commit on = goOnline(core);
  REQUIRE(sent(on).size() == 1);
  CHECK(sent(on)[0]["baseVersion"] == 2);
}

TEST_CASE("rebase: server-wins drops only the conflicting field") {
  SyncCore core = makeClient({{"strategy", "server-wins"}});
  server(core, kBase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}, {"done", true}}}});
  Commit c = server(core, remote(2, {{"title", "theirs"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  CHECK(view(core, "1")["title"] == "theirs");
  CHECK(view(core, "1")["done"] == true);
  auto conflicts = conflictEvents(c);
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0]["paths"] == json::array({"title"}));
  CHECK(conflicts[0]["base"]["title"] == "a");
  CHECK(conflicts[0]["local"]["title"] == "mine");
  CHECK(conflicts[0]["remote"]["title"] == "theirs");
}

TEST_CASE("rebase: server-wins with nothing left drops the mutation and settles it") {
  SyncCore core = makeClient({{"strategy", "server-wins"}});
  server(core, kBase);
  std::string m = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}});
  Commit c = server(core, remote(2, {{"title", "theirs"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  CHECK(core.pendingMutations().empty());
  auto over = settled(c, "overridden");
  REQUIRE(over.size() == 1);
  CHECK(over[0]["mutationIds"][0] == m);
}

TEST_CASE("rebase: client-wins keeps the local value") {
  SyncCore core = makeClient({{"strategy", "client-wins"}});
  server(core, kBase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}});
  server(core, remote(2, {{"title", "theirs"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  CHECK(view(core, "1")["title"] == "mine");
  CHECK(core.pendingMutations().size() == 1);
}

TEST_CASE("rebase: last-write-wins orders by hybrid logical clock") {
  SyncCore core = makeClient({{"strategy", "last-write-wins"}});
  server(core, kBase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}}, 5000);
  // a remote write stamped earlier loses
  json older = remote(2, {{"title", "older"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}});
  older[0]["ts"] = {{"wall", 4000}, {"counter", 0}, {"node", "c2"}};
  server(core, older, 6000);
  CHECK(view(core, "1")["title"] == "mine");
  // a later one wins
  json newer = remote(3, {{"title", "newer"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}});
  newer[0]["ts"] = {{"wall", 5500}, {"counter", 0}, {"node", "c2"}};
  server(core, newer, 6000);
  CHECK(view(core, "1")["title"] == "newer");
}

TEST_CASE("rebase: a timestamp from 2099 is clamped to now + max drift, and so is our clock") {
  SyncCore core = makeClient({{"strategy", "last-write-wins"}});
  server(core, kBase);
  const std::int64_t now = 10'000'000;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}}, now);
  json future = remote(2, {{"title", "from 2099"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}});
  future[0]["ts"] = {{"wall", 4'070'908'800'000LL}, {"counter", 0}, {"node", "skewed"}};
  server(core, future, now + 100);
  CHECK(view(core, "1")["title"] == "from 2099");  // clamped to now + 60 s: still newer than the edit
  // our own clock took the clamped value, not 2099: once real time passes it, our stamps are real again
  goOnline(core, now + 200);
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"done", true}}}}, now + 200, &c);
  auto out = sent(c);
  REQUIRE_FALSE(out.empty());
  const std::int64_t wall = out.back()["ts"]["wall"].get<std::int64_t>();
  CHECK(wall <= now + 100 + 60'000);
  CHECK(wall >= now + 200);
}

TEST_CASE("rebase: merge takes one-sided fields from each side and applies field rules") {
  SyncCore core = makeClient({{"strategy", "merge"}, {"mergeRules", {{"default", "server"}, {"fields", {{"meta.tag", "client"}}}}}});
  server(core, kBase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"},
                {"patch", {{"title", "mine"}, {"done", true}, {"meta", {{"tag", "local-tag"}}}}}});
  server(core, remote(2, {{"title", "theirs"}, {"done", false}, {"meta", {{"owner", "bob"}, {"tag", "remote-tag"}}}}));
  json v = view(core, "1");
  CHECK(v["title"] == "theirs");            // both changed, default rule: server
  CHECK(v["done"] == true);                 // only local changed
  CHECK(v["meta"]["owner"] == "bob");       // only remote changed
  CHECK(v["meta"]["tag"] == "local-tag");   // both changed, field rule: client
}

TEST_CASE("rebase: manual parks the conflict with base, local and remote, resolved later") {
  SyncCore core = makeClient({{"strategy", "manual"}});
  server(core, kBase);
  std::string m = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}});
  Commit c = server(core, remote(2, {{"title", "theirs"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  auto parked = settled(c, "conflict");
  REQUIRE(parked.size() == 1);
  CHECK(parked[0]["mutationIds"][0] == m);
  CHECK(view(core, "1")["title"] == "theirs");  // parked: the view shows the server's state
  json list = core.conflicts();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["base"]["title"] == "a");
  CHECK(list[0]["local"]["title"] == "mine");
  CHECK(list[0]["remote"]["title"] == "theirs");
  const std::string id = list[0]["id"];

  Commit r;
  std::string newMutation;
  CHECK(core.resolveConflict("nope", {{"choice", "local"}}, 2000, r, newMutation).code == syncore::ErrorCode::NotFound);
  CHECK(core.resolveConflict(id, {{"choice", "sideways"}}, 2000, r, newMutation).code == syncore::ErrorCode::WrongType);
  CHECK(core.conflicts().size() == 1);  // a bad resolution loses nothing
  REQUIRE(core.resolveConflict(id, {{"choice", "merged"}, {"value", {{"id", "1"}, {"title", "both"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}}}, 2000, r, newMutation).isOk());
  CHECK_FALSE(newMutation.empty());
  CHECK(view(core, "1")["title"] == "both");
  CHECK(core.conflicts().empty());
  CHECK(core.pendingMutations().size() == 1);
}

TEST_CASE("rebase: the echo of our own mutation is its ack, not a conflict") {
  SyncCore core = makeClient({{"strategy", "manual"}});
  server(core, kBase);
  goOnline(core);
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}}, 1000, &c);
  const std::string key = sent(c)[0]["key"];
  Commit e = server(core, remote(2, {{"title", "mine"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}, key.c_str()));
  CHECK(conflictEvents(e).empty());
  CHECK(settled(e, "acked").size() == 1);
  CHECK(core.pendingMutations().empty());
  CHECK(e.changes.empty());  // the view already showed it
}

TEST_CASE("rebase: a server conflict answer (409) goes through the resolver and re-sends") {
  SyncCore core = makeClient({{"strategy", "client-wins"}});
  server(core, kBase);
  goOnline(core);
  Commit c;
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}}, 1000, &c);
  const std::string key = sent(c)[0]["key"];
  json answer = json::array({{{"op", "conflict"}, {"key", key}, {"version", 5},
                              {"data", {{"id", "1"}, {"title", "theirs"}, {"done", true}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}}}});
  Commit r = server(core, answer);
  CHECK(conflictEvents(r).size() == 1);
  CHECK(view(core, "1")["title"] == "mine");
  CHECK(view(core, "1")["done"] == true);
  auto resent = sent(r);
  REQUIRE(resent.size() == 1);
  CHECK(resent[0]["key"] != key);  // a fresh key: the old one was answered with a conflict
  CHECK(resent[0]["baseVersion"] == 5);
}

TEST_CASE("rebase: custom resolvers decide through the C++ interface") {
  struct KeepLongestTitle : syncore::CustomResolver {
    bool resolve(const syncore::ConflictCase& c, json& merged) override {
      json local = c.base;
      local.merge_patch(c.local.patch);
      merged = c.remote;
      if (local["title"].get<std::string>().size() > c.remote["title"].get<std::string>().size()) merged["title"] = local["title"];
      return true;
    }
  } resolver;
  SyncCore core = makeClient({{"strategy", "custom"}});
  core.setCustomResolver("todos", &resolver);
  server(core, kBase);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "a much longer title"}}}});
  server(core, remote(2, {{"title", "short"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  CHECK(view(core, "1")["title"] == "a much longer title");
  // without a resolver the conflict is parked, never lost
  core.setCustomResolver("todos", nullptr);
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "x"}}}});
  server(core, remote(3, {{"title", "y"}, {"done", false}, {"meta", {{"owner", "ann"}, {"tag", "x"}}}}));
  CHECK(core.conflicts().size() == 1);
}

TEST_CASE("rebase: a remote delete meets a local update") {
  SyncCore server_wins = makeClient({{"strategy", "server-wins"}});
  server(server_wins, kBase);
  mutate(server_wins, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}});
  server(server_wins, R"([{"op":"delete","collection":"todos","id":"1","version":2}])");
  CHECK(view(server_wins, "1").is_null());
  CHECK(server_wins.pendingMutations().empty());

  SyncCore client_wins = makeClient({{"strategy", "client-wins"}});
  server(client_wins, kBase);
  mutate(client_wins, {{"collection", "todos"}, {"op", "update"}, {"id", "1"}, {"patch", {{"title", "mine"}}}});
  server(client_wins, R"([{"op":"delete","collection":"todos","id":"1","version":2}])");
  CHECK(view(client_wins, "1")["title"] == "mine");  // re-created
  auto pending = client_wins.pendingMutations();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["kind"] == "create");
}
}  // namespace test_rebase
