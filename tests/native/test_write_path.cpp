// The write path's promises that its speed-ups must keep: a server upsert that rewrites what the
// view shows is no change for readers (its version still taken), and the one JSON string escaper
// writes nlohmann's exact bytes wherever text is written without a json value (commits, errors).
#include <catch2/catch.hpp>

#include "wire/commit_text.hpp"
#include "wire/envelope.hpp"
#include "sync_test_util.hpp"

namespace test_write_path {

using namespace synctest;

namespace {

std::string nlohmannText(const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

TEST_CASE("write path: a server upsert with the data the view shows changes nothing, its version taken") {
  SyncCore core = makeClient();
  std::uint32_t all = 0, one = 0;
  REQUIRE(core.subscribe("todos", "", all).isOk());
  REQUIRE(core.subscribe("todos", "a", one).isOk());
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x","tags":["t"]}}]})");

  Commit same = server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"x","tags":["t"]}}]})");
  CHECK(same.changes.collections["todos"].empty());
  CHECK(same.notify.empty());
  CHECK(same.views.empty());
  std::int64_t version = 0;
  REQUIRE(core.entityVersion("todos", "a", version).isOk());
  CHECK(version == 2);
  // The new version is durable all the same (a restart must not ask for it again).
  const std::vector<json> persisted = effectsOf(same, "persist");
  REQUIRE(persisted.size() == 1);
  CHECK(persisted[0]["put"].dump().find("\"version\":2") != std::string::npos);

  Commit changed = server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":3,"data":{"id":"a","title":"y","tags":["t"]}}]})");
  CHECK(changed.changes.collections["todos"].updated == std::vector<std::string>{"a"});
  CHECK(changed.notify.size() == 2);
}

TEST_CASE("write path: a server upsert equal to the confirmed state under a pending edit is still compared on the view") {
  SyncCore core = makeClient();
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"x","n":1}}]})");
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"n", 2}}}});
  Commit same = server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"x","n":1}}]})");
  CHECK(same.changes.collections["todos"].empty());  // the view (n: 2 over it) did not move
  Commit other = server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":3,"data":{"id":"a","title":"z","n":1}}]})");
  CHECK(other.changes.collections["todos"].updated == std::vector<std::string>{"a"});
  CHECK(view(core, "a") == json{{"id", "a"}, {"title", "z"}, {"n", 2}});
}

TEST_CASE("write path: text written without a json value has nlohmann's bytes for tricky strings") {
  const std::vector<std::string> tricky = {
      "",
      "plain",
      "quote \" and backslash \\ and slash /",
      std::string("nul \0 bell \a esc \x1b del \x7f", 23),
      "\b\f\n\r\t\x01\x1f",
      "line sep \xE2\x80\xA8 para sep \xE2\x80\xA9",
      "caf\xC3\xA9 \xF0\x9F\x98\x80",
      "bad \xFF byte",
      "cut \xE2\x82",
      "overlong \xC0\xAF and surrogate \xED\xA0\x80",
  };
  for (const std::string& s : tricky) {
    INFO(nlohmannText(s));
    std::string direct;
    syncore::appendJsonString(direct, s);
    CHECK(direct == nlohmannText(s));
    // The same escaper through the commit text (ids, names) and an error envelope (messages).
    Commit c;
    c.changes.collections[s].updated.push_back(s);
    c.renamed[s][s] = s;
    json tree = syncore::commitToJson(c);
    if (!s.empty()) tree["mutationId"] = s;  // an empty mutation id is left out
    CHECK(syncore::commitToText(c, s) == tree.dump(-1, ' ', false, json::error_handler_t::replace));
    const std::string error = syncore::envelopeError(syncore::Status::error(syncore::ErrorCode::WrongType, s));
    CHECK(error.find(",\"message\":" + nlohmannText(s) + "}") != std::string::npos);
  }
}

}  // namespace test_write_path
