// A local write read from its text field by field (wire/mutation_request_text.hpp, what the wasm
// binding does) must commit exactly as the same request parsed into a tree does, and an update or
// delete of an entity without pending edits, whose new view the core now makes from the one tree
// it read, must leave the view, the pending entry and its base as the log says.
#include <catch2/catch.hpp>

#include "wire/commit_text.hpp"
#include "wire/json_fast.hpp"
#include "wire/mutation_request_text.hpp"
#include "sync_test_util.hpp"

namespace test_write_request {

using namespace synctest;
using syncore::MutationRequest;
using syncore::ParseLimits;
using syncore::Status;

namespace {

// The pending entries' rebase bases, as the core persists them (exportRecords' outbox records).
std::vector<json> bases(const SyncCore& core) {
  std::vector<json> out;
  for (const json& r : core.exportRecords())
    if (r["store"] == "outbox") out.push_back(r["value"]["meta"]["base"]);
  return out;
}

SyncCore loaded() {
  SyncCore core = makeClient();
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x","n":1,"tags":["t"]}},
                          {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"id":"b","title":"y","n":2}}]})");
  return core;
}

// One request through both readers, on two cores in the same state: the status, the commit's
// text, the view and the whole durable state must agree.
void sameAsTree(SyncCore& byText, SyncCore& byTree, const std::string& text) {
  INFO(text);
  MutationRequest request;
  if (!syncore::readMutationRequest(text, ParseLimits{}, request)) {
    json tree;
    REQUIRE(syncore::parseJsonFast(text, tree, ParseLimits{}).isOk());
    request = MutationRequest::fromJson(tree);
  }
  json tree;
  REQUIRE(syncore::parseJsonFast(text, tree, ParseLimits{}).isOk());
  Commit a, b;
  std::string idA, idB;
  const Status sa = byText.mutate(std::move(request), 1000, a, idA);
  const Status sb = byTree.mutate(tree, 1000, b, idB);
  CHECK(sa.code == sb.code);
  CHECK(sa.message == sb.message);
  CHECK(idA == idB);
  CHECK(syncore::commitToText(a, idA) == syncore::commitToText(b, idB));
  CHECK(byText.pendingMutations() == byTree.pendingMutations());
  CHECK(byText.exportRecords() == byTree.exportRecords());
  for (const char* id : {"a", "b", "c"}) CHECK(view(byText, id) == view(byTree, id));
}

}  // namespace

TEST_CASE("write request: a request read from its text field by field commits as its tree does") {
  SyncCore byText = loaded(), byTree = loaded();
  const std::vector<std::string> texts = {
      R"({"collection":"todos","op":"update","id":"a","patch":{"n":5}})",
      " {\n \"op\" : \"update\" ,\t\"collection\":\"todos\", \"id\":\"b\", \"patch\" : {\"title\":\"\\u00e9\\n\"} } ",
      // unknown fields (of any shape) are dropped; a repeated field's last value wins
      R"({"collection":"todos","op":"update","id":"a","x":{"deep":[1,{"y":null}]},"patch":{"n":6},"patch":{"n":7,"tags":null}})",
      // null is absent
      R"({"collection":"todos","op":"create","id":null,"data":{"id":"c","title":"new"},"priority":null,"strategy":null,"maxRetries":null})",
      R"({"collection":"todos","op":"update","id":"c","patch":{"title":"newer"},"priority":"high","maxRetries":3})",
      R"({"collection":"todos","op":"update","id":"b","data":{"id":"b","title":"by data","n":2}})",
      R"({"collection":"todos","op":"delete","id":"b"})",
      R"({"collection":"todos","op":"update","id":"a","patch":{"n":7}})",  // changes nothing: no mutation
      // refusals: the same code and message from both
      R"({"collection":1,"op":"update","id":"a","patch":{}})",
      R"({"collection":"todos","op":"upsert","id":"a"})",
      R"({"collection":"todos","op":"update","id":"a","patch":[1]})",
      R"({"collection":"todos","op":"update","id":"a","patch":{"id":"z"}})",
      R"({"collection":"todos","op":"update","id":"a","patch":{"n":1},"priority":"urgent"})",
      R"({"collection":"todos","op":"update","id":"a","patch":{"n":1},"expireAfterMs":-5})",
      R"({"collection":"todos","op":"update","id":"zz","patch":{"n":1}})",
      R"({"collection":"nope","op":"update","id":"a","patch":{"n":1}})",
      R"({})",
      R"([1,2])",
  };
  for (const std::string& text : texts) sameAsTree(byText, byTree, text);
}

TEST_CASE("write request: what the reader does not take is left to the parser") {
  MutationRequest request;
  CHECK(syncore::readMutationRequest(R"({"collection":"todos","op":"update"})", ParseLimits{}, request));
  CHECK(request.collection == "todos");
  CHECK(request.op == "update");
  CHECK(request.patch.is_null());
  for (const char* text : {"[1]", "\"x\"", "null", R"({"collection":"todos")", R"({"a":1} x)", R"({"a":1,})",
                           R"({"a" 1})", "{\"a\":\"\xff\"}", ""}) {
    INFO(text);
    MutationRequest r;
    CHECK_FALSE(syncore::readMutationRequest(text, ParseLimits{}, r));
  }
  ParseLimits shallow;
  shallow.maxDepth = 2;
  CHECK(syncore::readMutationRequest(R"({"patch":{"n":1}})", shallow, request));
  CHECK_FALSE(syncore::readMutationRequest(R"({"patch":{"n":{"m":1}}})", shallow, request));
  ParseLimits small;
  small.maxBytes = 8;
  CHECK_FALSE(syncore::readMutationRequest(R"({"op":"update"})", small, request));
}

TEST_CASE("write request: an update or delete of an entity without pending edits leaves the view the log makes") {
  SyncCore core = loaded();
  const std::string first = mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 5}, {"tags", nullptr}}}});
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "x"}, {"n", 5}});
  std::vector<json> base = bases(core);
  REQUIRE(base.size() == 1);
  CHECK(base[0] == json{{"id", "a"}, {"title", "x"}, {"n", 1}, {"tags", {"t"}}});
  // The next edit folds into that entry and keeps its base.
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"title", "y"}}}});
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "y"}, {"n", 5}});
  base = bases(core);
  REQUIRE(base.size() == 1);
  CHECK(base[0]["n"] == 1);
  // A server write rebases the entry: the view is the new confirmed entity with the edits on it.
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"x","n":1,"extra":true}}]})");
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "y"}, {"n", 5}, {"extra", true}});

  std::size_t before = 0, after = 0;
  REQUIRE(core.count("todos", before).isOk());
  const std::string gone = mutate(core, {{"collection", "todos"}, {"op", "delete"}, {"id", "b"}});
  REQUIRE(core.count("todos", after).isOk());
  CHECK(view(core, "b").is_null());
  CHECK(after == before - 1);
  Commit undo;
  std::vector<std::string> cancelled;
  REQUIRE(core.cancelMutation(gone, 1000, undo, cancelled).isOk());
  CHECK(view(core, "b") == json{{"id", "b"}, {"title", "y"}, {"n", 2}});
  REQUIRE(core.count("todos", after).isOk());
  CHECK(after == before);
  CHECK(first == "c1#1");
}

}  // namespace test_write_request
