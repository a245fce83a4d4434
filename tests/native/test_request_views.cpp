// A local write's string fields (collection, op, id, priority, strategy) are read as views into
// the request's text, not as json strings (sync/mutation_request.hpp): a string without escapes
// must point into the text itself, one with escapes must be decoded into the request's own copy
// (and survive a move of the request), any other value must stay a tree for mutate's refusal,
// and a request made from a tree must own its strings (the tree may go first).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "sync/mutation_request.hpp"
#include "wire/mutation_request_text.hpp"

namespace test_request_views {

using syncore::json;
using syncore::MutationRequest;
using syncore::ParseLimits;
using syncore::RequestString;

namespace {

bool inside(std::string_view part, const std::string& text) {
  return part.data() >= text.data() && part.data() + part.size() <= text.data() + text.size();
}

}  // namespace

TEST_CASE("request views: plain strings are views into the request text") {
  const std::string text = R"({"collection":"todos","op":"update","id":"a1","priority":"high","strategy":"merge","patch":{"n":1}})";
  MutationRequest r;
  REQUIRE(syncore::readMutationRequest(text, ParseLimits{}, r));
  for (const RequestString* field : {&r.collection, &r.op, &r.id, &r.priority, &r.strategy}) {
    CHECK(field->isString());
    CHECK_FALSE(field->isNull());
    CHECK(inside(field->str(), text));
  }
  CHECK(r.collection.str() == "todos");
  CHECK(r.op.str() == "update");
  CHECK(r.id.str() == "a1");
  CHECK(r.priority.str() == "high");
  CHECK(r.strategy.str() == "merge");
  CHECK(r.patch == json{{"n", 1}});
  std::string id;
  REQUIRE(syncore::idFromRequest(r.id, id));
  CHECK(id == "a1");
}

TEST_CASE("request views: escaped strings are decoded into the request's own copy, kept through a move") {
  const std::string text = "{\"collection\":\"to\\u0064os\",\"id\":\"\\u00e9\\n\\ud83d\\ude00\",\"op\":\"update\"}";
  auto r = std::make_unique<MutationRequest>();
  REQUIRE(syncore::readMutationRequest(text, ParseLimits{}, *r));
  CHECK(r->collection.str() == "todos");
  CHECK_FALSE(inside(r->collection.str(), text));
  CHECK(r->id.str() == "\xC3\xA9\n\xF0\x9F\x98\x80");
  CHECK(inside(r->op.str(), text));
  MutationRequest moved = std::move(*r);
  r.reset();  // the old request's storage is gone
  CHECK(moved.collection.str() == "todos");
  CHECK(moved.id.str() == "\xC3\xA9\n\xF0\x9F\x98\x80");
  CHECK(moved.op.str() == "update");
}

TEST_CASE("request views: a repeated field's last value wins, whatever its kind") {
  MutationRequest r;
  REQUIRE(syncore::readMutationRequest(R"({"id":"a","id":7,"op":1,"op":"del\u0065te","priority":"x","priority":null})", ParseLimits{}, r));
  CHECK_FALSE(r.id.isString());
  CHECK(r.id.other() == 7);
  CHECK(r.op.str() == "delete");
  CHECK(r.priority.isNull());
  CHECK_FALSE(r.priority.isString());
}

TEST_CASE("request views: ids as mutate takes them") {
  const auto idOf = [](const std::string& text, std::string& out) {
    MutationRequest r;
    REQUIRE(syncore::readMutationRequest(text, ParseLimits{}, r));
    return syncore::idFromRequest(r.id, out);
  };
  std::string id;
  CHECK(idOf(R"({"id":42})", id));
  CHECK(id == "42");
  CHECK(idOf(R"({"id":-3})", id));
  CHECK(id == "-3");
  CHECK(idOf(R"({"id":"x y"})", id));
  CHECK(id == "x y");
  CHECK_FALSE(idOf(R"({"id":""})", id));
  CHECK_FALSE(idOf(R"({"id":1.5})", id));
  CHECK_FALSE(idOf(R"({"id":true})", id));
  CHECK_FALSE(idOf(R"({"id":["a"]})", id));
  MutationRequest absent;
  CHECK(absent.id.isNull());
  CHECK_FALSE(syncore::idFromRequest(absent.id, id));
}

TEST_CASE("request views: a request made from a tree owns its strings") {
  MutationRequest r;
  {
    auto tree = std::make_unique<json>(json{{"collection", "todos"}, {"op", "create"}, {"id", 9}, {"strategy", nullptr},
                                            {"priority", 3}, {"data", {{"t", "x"}}}});
    r = MutationRequest::fromJson(*tree);
  }  // the tree is gone
  CHECK(r.collection == "todos");
  CHECK(r.op == "create");
  CHECK(r.id.other() == 9);
  CHECK(r.strategy.isNull());
  CHECK_FALSE(r.priority.isString());
  CHECK(r.priority.other() == 3);
  CHECK(r.data == json{{"t", "x"}});
  CHECK_FALSE(MutationRequest::fromJson(json::array()).isObject);
}

}  // namespace test_request_views
