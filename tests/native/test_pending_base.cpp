// A pending update's base kept as the store's canonical text (issue 15): the entry holds the
// confirmed entity's bytes instead of a tree, and every reader of the base (persistence, an ack's
// fold into the entries behind it, a rebase) sees exactly the entity the update was made on.
#include <catch2/catch.hpp>

#include "store/stored_json.hpp"
#include "sync/outbox.hpp"
#include "sync_test_util.hpp"

namespace test_pending_base {

using namespace synctest;
using syncore::ConfirmedBase;
using syncore::PendingMeta;

namespace {

// The meta.base of the outbox records a commit persists, in record order.
std::vector<json> persistedBases(const Commit& c) {
  std::vector<json> out;
  for (const json& p : effectsOf(c, "persist"))
    for (const json& r : p["put"])
      if (r["store"] == "outbox") out.push_back(r["value"]["meta"]["base"]);
  return out;
}

json update(const std::string& id, json patch) {
  return {{"collection", "todos"}, {"op", "update"}, {"id", id}, {"patch", std::move(patch)}};
}

}  // namespace

TEST_CASE("pending base: a text base reads as the tree it stands for, once taken it is gone") {
  const json entity = {{"id", "a"}, {"n", 1.5}, {"big", 18446744073709551615ull}, {"neg", -3}, {"tags", {"x", nullptr}}};
  const std::string text = syncore::storedText(entity);
  PendingMeta meta{std::nullopt, json{{"stale", true}}};
  ConfirmedBase given;
  given.text = &text;
  given.giveTo(meta);
  CHECK(meta.base.is_null());
  CHECK(meta.baseText == text);
  CHECK(meta.baseValue() == entity);
  CHECK(syncore::pendingMetaToJson(meta)["base"] == entity);
  CHECK(meta.takeBase() == entity);
  CHECK(meta.baseText.empty());
  CHECK(meta.baseValue().is_null());

  // No confirmed entity given: the meta keeps the tree base it came with.
  PendingMeta tree{std::nullopt, entity};
  ConfirmedBase().giveTo(tree);
  CHECK(tree.baseValue() == entity);
  CHECK(tree.takeBase() == entity);
  CHECK(tree.baseValue().is_null());
}

TEST_CASE("pending base: an update's base is the confirmed entity, persisted, and moved by an ack") {
  SyncCore core = makeClient();
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x","n":1,"f":0.5}}]})");
  const json confirmed = {{"id", "a"}, {"title", "x"}, {"n", 1}, {"f", 0.5}};

  Commit first;
  mutate(core, update("a", {{"n", 2}}), 1000, &first);
  CHECK(persistedBases(first) == std::vector<json>{confirmed});
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "x"}, {"n", 2}, {"f", 0.5}});

  Commit on = goOnline(core);
  const std::vector<json> flying = sent(on);
  REQUIRE(flying.size() == 1);
  // The first entry is in flight: the next edit is an entry of its own, made on the same
  // confirmed entity (its view is the first edit's).
  Commit second;
  mutate(core, update("a", {{"title", "y"}}), 1000, &second);
  CHECK(persistedBases(second) == std::vector<json>{confirmed});
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "y"}, {"n", 2}, {"f", 0.5}});

  // The ack makes the first edit part of the second's base (sync_answers.cpp reads the text).
  Commit acked = server(core, json::array({{{"op", "ack"}, {"key", flying[0]["key"]}, {"version", 2}}}));
  CHECK(persistedBases(acked) == std::vector<json>{{{"id", "a"}, {"title", "x"}, {"n", 2}, {"f", 0.5}}});
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "y"}, {"n", 2}, {"f", 0.5}});
}

TEST_CASE("pending base: a text base is what a manual conflict shows and what the merge starts from") {
  SyncCore core = makeClient({{"strategy", "manual"}});
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":1,"data":{"id":"1","title":"a","done":false,"n":7}}]})");
  mutate(core, update("1", {{"title", "mine"}}));
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"1","version":2,"data":{"id":"1","title":"theirs","done":true,"n":7}}]})");
  const json list = core.conflicts();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["base"] == json{{"id", "1"}, {"title", "a"}, {"done", false}, {"n", 7}});
  CHECK(list[0]["local"] == json{{"id", "1"}, {"title", "mine"}, {"done", false}, {"n", 7}});
}

TEST_CASE("pending base: a text base survives a restart and still rebases") {
  SyncCore core = makeClient();
  PersistedRecords storage;
  storage.apply(server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x","n":1}}]})"));
  Commit c;
  mutate(core, update("a", {{"n", 2}}), 1000, &c);
  storage.apply(c);
  SyncCore again = reopen(storage);
  // A remote edit of another field: the default strategy merges it under the pending one.
  server(again, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"z","n":1}}]})");
  CHECK(view(again, "a") == json{{"id", "a"}, {"title", "z"}, {"n", 2}});
}

}  // namespace test_pending_base
