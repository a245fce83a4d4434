// commitToText (the fast writer the wasm binding uses) must say exactly what
// dumpJson(commitToJson(commit)) + mutationId says: same document, whatever the commit holds.
#include <catch2/catch.hpp>

#include "wire/commit_text.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_commit_text {

using namespace synctest;
using syncore::Effect;
using syncore::EffectKind;
using syncore::EventType;

namespace {

json expected(const Commit& c, const std::string& mutationId) {
  json j = syncore::commitToJson(c);
  if (!mutationId.empty()) j["mutationId"] = mutationId;
  return j;
}

void checkSame(const Commit& c, const std::string& mutationId = std::string()) {
  const std::string text = syncore::commitToText(c, mutationId);
  INFO(text);
  json parsed = json::parse(text, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  CHECK(parsed == expected(c, mutationId));
}

}  // namespace

TEST_CASE("commit_text: an empty commit") { checkSame(Commit{}); }

TEST_CASE("commit_text: changes, notify, queries, effects, events, renamed and a mutation id") {
  Commit c;
  c.changes.collections["todos"].created = {"a", "quote\"back\\slash"};
  c.changes.collections["todos"].updated = {"tab\there", std::string("ctl\x01\x1f", 5), "ünï"};
  c.changes.collections["empty"];  // an empty entry is left out, as in commitToJson
  c.changes.collections["notes"].deleted = {"n1"};
  c.notify = {3, 1, 4000000000u};
  c.queries.push_back({7, {"a", "b"}, 12});
  c.queries.push_back({9, {}, 0});
  c.cursor = 42;
  c.effects.push_back({EffectKind::Persist, {{"put", json::array({{{"store", "entities"}, {"key", {"todos", "a"}}}})}}});
  c.effects.push_back({EffectKind::Wake, {{"at", 1234}}});
  c.effects.push_back({EffectKind::Send, json::object()});  // no fields at all
  c.events.push_back({EventType::Queued, {{"mutationId", "c1#1"}, {"text", "line\nbreak"}}});
  c.counts = {3, 1, 2, 7, true};
  const json viewA = {{"id", "a"}, {"title", "quote\"d"}};  // views are borrowed from the store
  c.views["todos"]["a"] = &viewA;
  c.renamed["todos"]["tmp-1"] = "s1";
  c.renamed["todos"]["tmp-2"] = "s2";
  checkSame(c, "c1#1");
  checkSame(c);
}

TEST_CASE("commit_text: real commits of a mutate and a server batch") {
  SyncCore core = makeClient();
  std::uint32_t sub = 0;
  REQUIRE(core.subscribe("todos", "", sub).isOk());
  Commit c;
  std::string id;
  REQUIRE(core.mutate({{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "x"}}}}, 1000, c, id).isOk());
  checkSame(c, id);
  Commit s;
  REQUIRE(core.applyServer(json::parse(R"({"ops":[{"op":"upsert","collection":"todos","id":"9","version":1,"data":{"id":"9"}}],"cursor":5})"), 1001, s).isOk());
  checkSame(s);
}

TEST_CASE("commit_text: a queued event kept as its names is written as the same event as a tree") {
  // mutate keeps a local write's queued event as strings (Event::queuedWrite) and builds no tree:
  // every writer must say exactly what the tree form says.
  const std::string collection = "todos", id = "quote\"d\tid", mutationId = "c1#12";
  Commit byNames, byTree;
  for (Commit* c : {&byNames, &byTree}) {
    c->changes.collections[collection].updated = {id};
    c->cursor = 3;
    c->counts = {1, 0, 0, 0, false};
  }
  byNames.events.push_back(syncore::Event::queuedWrite(collection, id, mutationId));
  byTree.events.push_back({EventType::Queued, {{"collection", collection}, {"id", id}, {"mutationId", mutationId}}});
  CHECK(byNames.events[0].toJson() == byTree.events[0].toJson());
  CHECK(syncore::commitToText(byNames, mutationId) == syncore::commitToText(byTree, mutationId));
  checkSame(byNames, mutationId);
  std::string a, b;
  REQUIRE(syncore::appendLocalWriteText(a, byNames, mutationId, false));
  REQUIRE(syncore::appendLocalWriteText(b, byTree, mutationId, false));
  CHECK(a == b);
  // Names that do not match the commit's one change make it no plain write, in either form.
  Commit other = byNames;
  other.events[0].queued->id = "someone else";
  CHECK_FALSE(syncore::appendLocalWriteText(a, other, mutationId, false));
  CHECK_FALSE(syncore::appendLocalWriteText(a, byNames, "c1#13", false));
}
}  // namespace test_commit_text
