// Issue 15's hot paths must not change behaviour: a server batch read straight from its text
// (applyServerText, wire/server_batch_text.cpp) does exactly what the tree path does (parse, then
// applyServer), errors included; and dumpJson, now a writer of its own, writes nlohmann's bytes.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "base/prng.hpp"
#include "wire/server_batch.hpp"
#include "batch_paths.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_batch_text {

using namespace synctest;

namespace {

// Two cores in the same state: some entities, pending edits (rebases), an in-flight one (acks).
SyncCore prepared(const json& options) {
  SyncCore core = makeClient(options, true);
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"A","n":1}},
                          {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"id":"b","title":"B","n":2}},
                          {"op":"upsert","collection":"todos","id":"c","version":1,"data":{"id":"c","title":"C","tags":["x"]}}],
                  "cursor":3})");
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"title", "mine"}}}});
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "b"}, {"patch", {{"n", 20}}}});
  return core;
}

void checkSame(const json& options, const std::string& text) {
  INFO(text);
  SyncCore tree = prepared(options), direct = prepared(options);
  checkSameOutcome(applyBatch(tree, text, false), applyBatch(direct, text, true));
}

bool readsDirectly(const std::string& text) {
  SyncCore core = prepared(json::object());
  syncore::ServerBatch out;
  const auto lookup = [](const std::string& name) -> syncore::Collection* {
    static syncore::Collection todos("todos", {});
    return name == "todos" ? &todos : nullptr;
  };
  return syncore::decodeServerBatchText(text, lookup, core.limits(), out);
}

const char* const kDirect[] = {
    // the plain shapes the text reader takes itself
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"theirs","n":1}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"b","version":2,"data":{"id":"b","title":"B","n":3}}],"cursor":9})",
    R"( [ {"data":{"title":"new"},"version":4,"collection":"todos","op":"upsert","id":"d"} ] )",
    R"({"cursor":7,"ops":[{"op":"upsert","collection":"todos","version":2,"data":{"id":"c","title":"C2","tags":[]}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":12,"version":1,"data":{"id":12,"x":"\u00e9\ud83d\ude00\n"}}]})",
    R"({"ops":[{"op":"delete","collection":"todos","id":"c","version":5},{"op":"delete","collection":"todos","id":"zz","version":1}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":3,"data":{"id":"a","title":"x"},"origin":"other:1",
        "ts":{"wall":4000,"counter":2,"node":"other"},"extra":{"ignored":[1,2,{"deep":true}]}}],"note":"ignored"})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":3,"data":{"id":"a","n":1},"data":{"id":"a","n":2},"ts":null,"origin":null}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"b","version":1,"data":{"id":"b","title":"stale"}}]})",
    R"({"ops":[{"op":"ack","key":"c1:99","version":4}],"cursor":null})",
    R"({"ops":[{"op":"ack","key":"c1:99","version":null,"id":"q","data":null,"ts":{"wall":1,"counter":0,"node":"s"}}]})",
    R"({"ops":[]})",
    R"([])",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"n1","version":2,"data":{"id":"n1","big":-9223372036854775808,"f":1.5e300,"u":18446744073709551615}}]})",
    // the op's own fields read in place, or (escapes, big integers) as trees: the same writes
    R"({"ops":[{"\u006fp":"upse\u0072t","c\u006fllection":"tod\u006fs","i\u0064":"\u0061","version":2,"data":{"id":"a","t":1}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"\u0061","t":2}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":12,"version":2,"data":{"id":"12"}},{"op":"upsert","collection":"todos","id":"13","version":2,"data":{"id":13}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":-0,"version":-0,"data":{"id":0}},{"op":"delete","collection":"todos","id":-7,"version":0}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":1234567890123456789,"version":9223372036854775807,"data":{"id":"1234567890123456789"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":123456789012345678,"version":999999999999999999,"data":{"t":1}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":18446744073709551615,"version":3,"data":{"id":18446744073709551615}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"x","id":"a","version":1,"version":3,"data":{"id":"a"},"origin":"oth\u0065r:1"}]})",
    R"({"ops":[ { "op" : "upsert" , "collection" : "todos" , "id" : 7 , "version" : 2 , "data" : { "id" : 7 } } ]})",
    R"({"ops":[{"op":"ack","k\u0065y":"c1:\u0039\u0039","version":-0,"id":12},{"op":"ack","key":"c1:98","id":"\u0071"}]})",
};

const char* const kTreePath[] = {
    // left to the tree path: other ops, and everything refused
    R"({"ops":[{"op":"load","collection":"todos","entities":[{"id":"e","version":1,"data":{"id":"e"}}]}]})",
    R"({"ops":[{"op":"rename","collection":"todos","from":"a","to":"a2"}]})",
    R"({"ops":[{"op":"reject","key":"c1:1","class":"validation","message":"no"}]})",
    R"({"ops":[{"op":"conflict","key":"c1:1","version":9,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"nope","id":"a","version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"b"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":-1,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":[1]}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","version":2,"data":{"t":1}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"","version":2,"data":{"t":1}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"},"origin":5}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"},"ts":{"wall":"x"}}]})",
    R"({"ops":[{"op":"delete","collection":"todos","version":2}]})",
    R"({"ops":[{"op":"ack","key":"","version":1}]})",
    R"({"ops":[{"op":"ack","key":"c1:1","version":1,"data":3}]})",
    R"({"ops":[{"op":"fly","collection":"todos"}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"}}],"ops":[]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"}}],"cursor":-3})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"}}])",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"}}]} x)",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","s":"\x01"}}]})",
    // the op's own fields the tree path refuses, however the text reader meets them
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":9223372036854775808,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2.0,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":"2","data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":01,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":-5,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":1.5,"version":2,"data":{"t":1}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":null,"version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":true,"version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"\u0062","version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"7","version":2,"data":{"id":7.0}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"7","version":2,"data":{"id":"\u0038"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":""}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"},"origin":"\u0000x","origin":{}}]})",
    R"({"ops":[{"op":"upsert","collection":5,"id":"a","version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"tod\u006f","id":"a","version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":-,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":["upsert"],"collection":"todos","id":"a","version":2,"data":{"id":"a"}}]})",
    R"({"ops":[{"op":"ack","key":"\u0000","version":1},{"op":"ack","key":7,"version":1}]})",
    R"({"ops":[{"op":"ack","key":"c1:99","version":"1"}]})",
    R"({"ops":[{"op":"ack","key":"c1:99","id":""}]})",
    R"({"ops":[{"op":"ack","key":"c1:99","id":[1]}]})",
    R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a"},nul}]})",
    R"({"ops":{"op":"upsert"}})",
    R"({"cursor":1})",
    R"(42)",
    R"()",
};

}  // namespace

TEST_CASE("batch_text: the plain shapes are read without the tree, with applyServer's result") {
  for (const char* text : kDirect) {
    INFO(text);
    CHECK(readsDirectly(text));
    checkSame(json::object(), text);
  }
}

TEST_CASE("batch_text: what the text reader leaves to the tree path, errors included, ends the same") {
  for (const char* text : kTreePath) {
    INFO(text);
    CHECK_FALSE(readsDirectly(text));
    checkSame(json::object(), text);
  }
}

TEST_CASE("batch_text: rebases under every strategy end the same on both paths") {
  const char* const remote =
      R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":2,"data":{"id":"a","title":"theirs","n":5}},
                 {"op":"upsert","collection":"todos","id":"b","version":2,"data":{"id":"b","title":"B","n":7}},
                 {"op":"delete","collection":"todos","id":"a","version":3}]})";
  for (const char* strategy : {"server-wins", "client-wins", "last-write-wins", "merge", "manual"}) {
    INFO(strategy);
    checkSame({{"strategy", strategy}}, remote);
  }
}

TEST_CASE("batch_text: entity data too deep for the core, or for the text, gives the tree path's errors") {
  for (int levels : {65, 70}) {  // 65: the text parses, the data is refused; 70: the text is refused
    std::string deep = "{\"ops\":[{\"op\":\"upsert\",\"collection\":\"todos\",\"id\":\"a\",\"version\":2,\"data\":{\"id\":\"a\",\"x\":";
    for (int i = 0; i < levels; ++i) deep += "{\"y\":";
    deep += "1";
    for (int i = 0; i < levels; ++i) deep += "}";
    deep += "}}]}";
    CHECK_FALSE(readsDirectly(deep));
    checkSame(json::object(), deep);
  }
}

TEST_CASE("batch_text: random op fields, read in place or as trees, end as on the tree path") {
  // Each field drawn from values the text reader reads in place (plain strings, small integers,
  // null) and values it leaves to a tree (escapes, big or signed integers, floats, other types).
  static const char* const kOps[] = {R"("upsert")", R"("upsert")", R"("delete")", R"("ack")", R"("upse\u0072t")", R"("load")", "1", "null"};
  static const char* const kCollections[] = {R"("todos")", R"("todos")", R"("tod\u006fs")", R"("nope")", "null", "3"};
  static const char* const kIds[] = {R"("a")", R"("b")", R"("\u0061")", R"("")", "7", "-0", "12", "-3", "1.5", "null",
                                     "true", "1234567890123456789", "18446744073709551616", R"("7")", "[]"};
  static const char* const kVersions[] = {"2", "5", "0", "-0", "-1", "2.0", R"("3")", "null", "999999999999999999",
                                          "9223372036854775807", "9223372036854775808", "1e2"};
  static const char* const kKeys[] = {R"("c1:1")", R"("c1:\u0031")", R"("other:2")", R"("")", "4", "null"};
  static const char* const kData[] = {R"({"id":"a","t":1})", R"({"t":2})", R"({"id":"\u0061","t":3})", R"({"id":7})",
                                      R"({"id":"7"})", R"({"id":12,"x":[1]})", "null", "[1]", R"({"id":""})"};
  syncore::Prng prng(1512);
  // Mostly the first (plainest) values, so that whole batches often read directly.
  const auto pick = [&](const auto& pool) {
    const std::size_t n = prng.next() % 3 != 0 ? 3 : std::size(pool);
    return std::string(pool[prng.next() % n]);
  };
  int direct = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string ops;
    for (int k = 0, n = 1 + static_cast<int>(prng.next() % 2); k < n; ++k) {
      std::vector<std::string> fields = {R"("op":)" + pick(kOps), R"("collection":)" + pick(kCollections)};
      if (prng.next() % 8 != 0) fields.push_back(R"("id":)" + pick(kIds));
      if (prng.next() % 8 != 0) fields.push_back(R"("version":)" + pick(kVersions));
      if (prng.next() % 3 == 0) fields.push_back(R"("key":)" + pick(kKeys));
      if (prng.next() % 3 == 0) fields.push_back(R"("origin":)" + pick(kKeys));
      if (prng.next() % 4 != 0) fields.push_back(R"("data":)" + pick(kData));
      if (prng.next() % 6 == 0) fields.push_back(R"("id":)" + pick(kIds));  // a repeated key: the last wins
      for (std::size_t j = fields.size(); j > 1; --j) std::swap(fields[j - 1], fields[prng.next() % j]);
      ops += k > 0 ? "," : "";
      ops += "{";
      for (std::size_t j = 0; j < fields.size(); ++j) ops += (j > 0 ? (prng.next() % 4 == 0 ? " , " : ",") : "") + fields[j];
      ops += "}";
    }
    const std::string text = "{\"ops\":[" + ops + "]}";
    if (readsDirectly(text)) ++direct;
    checkSame(json::object(), text);
  }
  CHECK(direct > 100);  // both paths are exercised
}

TEST_CASE("json_util: dumpJson writes exactly nlohmann's dump, invalid UTF-8 and floats included") {
  const auto reference = [](const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); };
  std::vector<json> values = {
      nullptr, true, false, 0, -1, 42u, std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::uint64_t>::max(), 1.5, -0.0, 1e300, 3.0, 0.1, std::nan(""),
      "", "plain", "quote\" back\\ slash / tab\t nl\n cr\r bs\b ff\f", std::string("ctl\x01\x1f\x7f", 6),
      "ünïcödé 😀", std::string("bad \xff utf8"), std::string("cut \xe2\x82"), std::string("\xed\xa0\x80 surrogate"),
      json::array(), json::object(), {{"b", 1}, {"a", {1, "x", nullptr, {{"k\"ey", false}}}}},
  };
  syncore::Prng prng(11);
  const std::string alphabet = std::string("az\"\\\n\x01\x7f", 7) + "é😀" + std::string("\xff\xc3", 2);
  for (int i = 0; i < 300; ++i) {
    std::string s;
    const std::size_t n = prng.next() % 12;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[prng.next() % alphabet.size()];
    values.push_back({{s, s}, {"n", static_cast<std::int64_t>(prng.next())}, {"list", {s, i}}});
  }
  for (const json& v : values) {
    INFO(reference(v));
    CHECK(syncore::dumpJson(v) == reference(v));
  }
}
}  // namespace test_batch_text
