// The commit as the one seam: it carries the counters and the views of the changed entities a
// reader is about to ask for, and every answer crosses as one envelope with one failure marker.
#include <catch2/catch.hpp>

#include "wire/envelope.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_commit_seam {

using namespace synctest;

namespace {

json parse(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("commit seam: a mutation carries the counters and its entity's view") {
  SyncCore core = makeClient();
  Commit c;
  const std::string id = mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"id", "a"}, {"title", "x"}}}}, 1000, &c);
  REQUIRE_FALSE(id.empty());
  CHECK(c.counts.pending == 1);
  CHECK(c.counts.deadLetters == 0);
  CHECK(c.counts.conflicts == 0);
  CHECK_FALSE(c.counts.resyncing);
  REQUIRE(c.views.count("todos") == 1);
  CHECK(*c.views["todos"]["a"] == view(core, "a"));
  CHECK(c.events.at(0).type == syncore::EventType::Queued);
  CHECK(c.effects.at(0).kind == syncore::EffectKind::Persist);
}

TEST_CASE("commit seam: a server batch carries the views of the window a live query shows") {
  SyncCore core = makeClient();
  syncore::QueryUpdate first;
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","orderBy":["id"],"limit":2})"), first).isOk());
  Commit c = server(core, R"({"ops":[
    {"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","n":1}},
    {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"id":"b","n":2}},
    {"op":"upsert","collection":"todos","id":"c","version":1,"data":{"id":"c","n":3}}],"cursor":3})");
  REQUIRE(c.queries.size() == 1);
  CHECK(c.queries[0].ids == std::vector<std::string>{"a", "b"});
  // The window's entities came along; "c" changed but no reader shows it: not sent.
  CHECK(c.views["todos"].size() == 2);
  CHECK(*c.views["todos"]["b"] == view(core, "b"));
  CHECK(c.views["todos"].count("c") == 0);
  CHECK(c.counts.pending == 0);
}

TEST_CASE("commit seam: an entity subscription's entity comes along, a deleted one does not") {
  SyncCore core = makeClient();
  std::uint32_t sub = 0;
  REQUIRE(core.subscribe("todos", "x", sub).isOk());
  Commit c = server(core, R"([{"op":"upsert","collection":"todos","id":"x","version":1,"data":{"id":"x"}},
                              {"op":"upsert","collection":"todos","id":"y","version":1,"data":{"id":"y"}}])");
  CHECK(c.notify == std::vector<std::uint32_t>{sub});
  CHECK(c.views["todos"].size() == 1);
  CHECK(c.views["todos"].count("x") == 1);
  Commit gone = server(core, R"([{"op":"delete","collection":"todos","id":"x","version":2}])");
  CHECK(gone.views.empty());
}

TEST_CASE("commit seam: the counters follow dead letters and set-aside changes") {
  SyncCore core = makeClient();
  mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", {{"id", "a"}}}});
  Commit online = goOnline(core);
  const std::vector<json> pushed = sent(online);
  REQUIRE(pushed.size() == 1);
  json reject = json::array({{{"op", "reject"}, {"key", pushed[0]["key"]}, {"class", "validation"}, {"message", "no"}}});
  Commit rejected = server(core, reject);
  CHECK(rejected.counts.pending == 0);
  CHECK(rejected.counts.deadLetters == 1);
  Commit aside;
  REQUIRE(core.applyServerChanges({"not json"}, false, 0, 1000, aside).isOk());
  CHECK(aside.counts.setAside == 1);
  CHECK(aside.counts.deadLetters == 1);
}

TEST_CASE("commit seam: envelopes") {
  Commit c;
  c.cursor = 4;
  json ok = parse(syncore::envelopeCommit(c, "c1#1"));
  CHECK(ok["ok"] == true);
  CHECK(ok["commit"]["cursor"] == 4);
  CHECK(ok["commit"]["mutationId"] == "c1#1");
  CHECK(parse(syncore::envelopeValue(json{{"a", 1}})) == json{{"ok", true}, {"value", {{"a", 1}}}});
  CHECK(parse(syncore::envelopeOk()) == json{{"ok", true}});
  json failed = parse(syncore::envelopeError(syncore::Status::error(syncore::ErrorCode::NotFound, "no \"x\"")));
  CHECK(failed == json{{"ok", false}, {"error", {{"code", "NOT_FOUND"}, {"message", "no \"x\""}}}});
}

TEST_CASE("commit seam: a strict restore names the record it could not read") {
  SyncCore donor = makeClient();
  mutate(donor, {{"collection", "todos"}, {"op", "create"}, {"data", {{"id", "a"}}}});
  json records = donor.exportRecords();
  records.push_back({{"store", "outbox"}, {"key", 99}, {"value", {{"seq", "not a number"}}}});
  SyncCore fresh;
  REQUIRE(fresh.defineCollection("todos", json::object()).isOk());
  REQUIRE(fresh.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}}).isOk());
  Commit c;
  syncore::Status s = fresh.restore(records, c);
  REQUIRE_FALSE(s.isOk());
  CHECK(s.store == "outbox");
  CHECK(s.key == "99");
  CHECK(s.index == static_cast<std::int64_t>(records.size() - 1));
  json error = parse(syncore::envelopeError(s))["error"];
  CHECK(error["store"] == "outbox");
  CHECK(error["key"] == 99);
  CHECK(error["index"] == records.size() - 1);
  CHECK(error["code"] == syncore::errorCodeName(s.code));
}
}  // namespace test_commit_seam
