// Server batch entities written straight as canonical text (wire/canonical_text.hpp): the text
// the writer makes must be byte for byte what the tree path stores, storedText of the tree the
// boundary's reader builds, and what it cannot write so must be left to the tree.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "base/prng.hpp"
#include "store/stored_json.hpp"
#include "wire/canonical_text.hpp"
#include "wire/json_reader.hpp"
#include "wire/server_batch.hpp"
#include "batch_paths.hpp"
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_canonical_batch {

using namespace synctest;
using syncore::CanonicalWriter;
using syncore::JsonReader;

namespace {

constexpr int kMaxDepth = 64;

// The writer's text for one entity object, or false when it leaves it to the tree.
bool canonical(const std::string& text, std::string& out) {
  JsonReader reader(text, kMaxDepth + 8);
  CanonicalWriter writer(reader, kMaxDepth);
  out.clear();
  if (!writer.object("id", out)) return false;
  reader.skipSpace();
  return reader.atEnd();
}

// The tree path's: the reader's tree, then the store's text of it. False when the reader refuses.
bool reference(const std::string& text, std::string& out) {
  JsonReader reader(text, kMaxDepth + 8);
  json tree;
  if (!reader.parseDocument(tree)) return false;
  out = syncore::storedText(tree);
  return true;
}

void checkSameText(const std::string& text) {
  INFO(text);
  std::string mine, theirs;
  const bool written = canonical(text, mine);
  const bool parsed = reference(text, theirs);
  if (written) {
    REQUIRE(parsed);  // nothing the reader refuses is written
    CHECK(mine == theirs);
  }
}

// Entities the writer must write itself, each against the tree path.
const char* const kWritten[] = {
    R"({})",
    R"( { "b" : 1 , "a" : 2 } )",
    R"({"z":{"y":[3,{"b":null,"a":true}],"x":false},"id":"q","":"empty key"})",
    R"({"b9":1,"b":2,"a":3,"B":4})",
    R"({"é":1,"e":2,"z":3,"ÿ":4,"€":5,"😀":6})",  // keys past ASCII sort as unsigned bytes
    R"({"s":"tab\there \"quoted\" back\\slash \/ \b\f\n\r \u0001 \u001f \u007f \u00e9 \ud83d\ude00 \u2028"})",
    R"({"s":"plain ascii, é, 中文, 😀, DEL \u007F"})",
    R"({"n":[0,-0,1,-1,9223372036854775807,-9223372036854775808,9223372036854775808,18446744073709551615,18446744073709551616]})",
    R"({"n":[123456789012345678,1234567890123456789,-123456789012345678,-1234567890123456789,-99999999999999999999]})",
    R"({"d":[0.0,-0.0,1.0,1.5,-1.5,1e0,1E5,1e+21,1e-7,0.1,0.30000000000000004,1.7976931348623157e308,5e-324,2.5e-5,123.456e2]})",
    R"({"d":[1e300,-1e-300,100,1e2,12345678901234567890.5,0.000001,1e22,1e21,1e15,1e16,1e17]})",
    R"({"a":[],"b":{},"c":[[],[{}]],"d":[1,[2,[3,[4]]]]})",
    R"({"b":{"d":1,"c":2,"b":{"z":1,"a":2}},"a":[{"y":1,"x":2}]})",
    "{\"a\"\t:\r\n1\n,\"b\":[ 1 ,\t2 ]}",
    R"({"id":12,"title":"x"})",
    R"({"aa":1,"a":2,"ab":3,"a ":4,"a0":5})",
};

// Entities it leaves to the tree (which keeps its own answer for them).
const char* const kLeft[] = {
    R"({"a":1,"a":2})",             // a repeated key: the tree keeps the last value
    R"({"b":1,"a":2,"b":3})",       // the same, out of order
    R"({"x":{"k":1,"k":1}})",       // nested
    R"({"\u0061":1})",              // an escaped key
    R"({"a\"b":1})",
    R"([1,2])",                     // not an object
    R"({"a":1,})",                  // invalid JSON: the tree path gives the error
    R"({"a":01})",
    R"({"a":"\x01"})",
    R"({"a":"\ud800"})",
    R"({"a":1e400})",
    R"({"a":tru})",
    R"({"a":"unterminated)",
};

std::string nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += i == 0 ? "{\"a\":" : "[";
  s += "1";
  for (int i = depth - 1; i >= 0; --i) s += i == 0 ? "}" : "]";
  return s;
}

// Random JSON text in the shapes servers send: keys in any order, white space, every number
// form the reader types differently, strings with and without escapes.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::string entity() {
    std::string s;
    object(s, 1);
    return s;
  }

 private:
  syncore::Prng rng_;

  std::int64_t pick(std::int64_t lo, std::int64_t hi) { return rng_.uniform(lo, hi); }
  void space(std::string& s) {
    static const char* const kSpace[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
    s += kSpace[pick(0, 6)];
  }

  void key(std::string& s) {
    static const char* const kKeys[] = {"id", "a", "b", "title", "é", "z", "A", "a0", "aa", "", "x y", "😀", "n", "_k"};
    s += '"';
    s += kKeys[pick(0, 13)];
    if (pick(0, 3) == 0) s += std::to_string(pick(0, 20));
    s += '"';
  }

  void string(std::string& s) {
    static const char* const kParts[] = {"plain", " ", "é", "中", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9",
                                         "\\u0001", "\\ud83d\\ude00", "\\t", "\\u2028", "\x7f", "\\u0000", "x"};
    s += '"';
    for (std::int64_t n = pick(0, 5); n > 0; --n) s += kParts[pick(0, 16)];
    s += '"';
  }

  void number(std::string& s) {
    static const char* const kNumbers[] = {"0", "-0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808",
                                           "9223372036854775808", "18446744073709551615", "18446744073709551616",
                                           "123456789012345678", "1234567890123456789", "-1234567890123456789",
                                           "0.0", "-0.0", "1.5", "1e5", "1E-5", "1e+300", "2.5e-320", "0.1",
                                           "100.0", "1e21", "1e15", "12.340", "3.14159265358979", "-7.25e10"};
    if (pick(0, 2) == 0) {
      s += std::to_string(pick(-1000000, 1000000));
      return;
    }
    s += kNumbers[pick(0, 26)];
  }

  void value(std::string& s, int depth) {
    switch (pick(0, depth >= 4 ? 5 : 7)) {
      case 0: string(s); return;
      case 1: number(s); return;
      case 2: s += "true"; return;
      case 3: s += "false"; return;
      case 4: s += "null"; return;
      case 5: string(s); return;
      case 6: object(s, depth + 1); return;
      default: array(s, depth + 1); return;
    }
  }

  void object(std::string& s, int depth) {
    s += '{';
    space(s);
    std::vector<std::string> used;
    for (std::int64_t n = pick(0, 6); n > 0; --n) {
      std::string k;
      key(k);
      if (std::find(used.begin(), used.end(), k) != used.end() && pick(0, 9) != 0) continue;  // repeats: rarely
      if (!used.empty()) s += ',';
      used.push_back(k);
      space(s);
      s += k;
      space(s);
      s += ':';
      space(s);
      value(s, depth);
      space(s);
    }
    s += '}';
  }

  void array(std::string& s, int depth) {
    s += '[';
    space(s);
    for (std::int64_t n = pick(0, 4), i = 0; i < n; ++i) {
      if (i > 0) s += ',';
      space(s);
      value(s, depth);
      space(s);
    }
    s += ']';
  }
};

// The same batch through the tree path and the text path (batch_paths.hpp) on two cores in the
// same state: the same status, commit, stored records and pending log.
SyncCore prepared(const json& options) {
  SyncCore core = makeClient(options, true);
  server(core, R"({"ops":[{"op":"upsert","collection":"todos","id":"a","version":1,"data":{"id":"a","title":"A","n":1}},
                          {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"id":"b","title":"B","n":2}}],
                  "cursor":3})");
  mutate(core, {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"title", "mine"}}}});
  return core;
}

void checkSameApply(const json& options, const std::string& text) {
  INFO(text);
  SyncCore tree = prepared(options), direct = prepared(options);
  checkSameOutcome(applyBatch(tree, text, false), applyBatch(direct, text, true));
  // The stored texts themselves (the records hold trees of them).
  for (const char* id : {"a", "b", "c", "d", "7"}) {
    syncore::EntityRef x, y;
    REQUIRE(tree.get("todos", id, x).isOk());
    REQUIRE(direct.get("todos", id, y).isOk());
    CHECK((x == nullptr) == (y == nullptr));
    if (x != nullptr && y != nullptr) CHECK(syncore::dumpJson(*x) == syncore::dumpJson(*y));
  }
}

std::string upsert(const std::string& id, const std::string& data, int version = 2) {
  return R"({"ops":[{"op":"upsert","collection":"todos","id":")" + id + R"(","version":)" + std::to_string(version) +
         R"(,"data":)" + data + "}]}";
}

}  // namespace

TEST_CASE("canonical batch: the writer writes the tree path's bytes for tricky entities") {
  for (const char* text : kWritten) {
    INFO(text);
    std::string mine, theirs;
    REQUIRE(canonical(text, mine));
    REQUIRE(reference(text, theirs));
    CHECK(mine == theirs);
  }
}

TEST_CASE("canonical batch: what the writer cannot write exactly is left to the tree") {
  for (const char* text : kLeft) {
    INFO(text);
    std::string mine;
    CHECK_FALSE(canonical(text, mine));
  }
  std::string mine, theirs;
  CHECK(canonical(nested(kMaxDepth), mine));  // the depth limit as checkDataDepth counts it
  REQUIRE(reference(nested(kMaxDepth), theirs));
  CHECK(mine == theirs);
  CHECK_FALSE(canonical(nested(kMaxDepth + 1), mine));
}

TEST_CASE("canonical batch: random entities are written byte for byte as the tree path stores them") {
  Generator gen(20261201);
  int written = 0, left = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = gen.entity();
    std::string mine;
    if (canonical(text, mine)) ++written;
    else ++left;
    checkSameText(text);
  }
  CHECK(written > 15000);  // the generator's repeated keys are rare: most are written directly
  CHECK(left > 0);
}

TEST_CASE("canonical batch: an escape, a byte past ASCII or a bad byte at every place of a string") {
  // The reader scans strings eight bytes at a time: what stops it must be seen wherever it falls.
  const std::vector<std::string> valid = {"\\\"", "\\\\", "\\u0001", "\\n", "\xc3\xa9", "\xf0\x9f\x98\x80", "\x7f", "~", " "};
  const std::vector<std::string> invalid = {"\x01", "\x1f", "\xff", "\xc3", "\xed\xa0\x80", std::string(1, '\0')};
  for (std::size_t before = 0; before <= 24; ++before) {
    for (std::size_t after : {0, 3, 9, 17}) {
      for (const auto& part : valid) {
        const std::string text = "{\"s\":\"" + std::string(before, 'a') + part + std::string(after, 'b') + "\",\"k\":1}";
        INFO(text);
        std::string mine, theirs;
        REQUIRE(canonical(text, mine));
        REQUIRE(reference(text, theirs));
        CHECK(mine == theirs);
      }
      for (const auto& part : invalid) {
        const std::string text = "{\"s\":\"" + std::string(before, 'a') + part + std::string(after, 'b') + "\"}";
        INFO(text);
        std::string mine, theirs;
        CHECK_FALSE(canonical(text, mine));
        CHECK_FALSE(reference(text, theirs));
      }
    }
  }
  // Keys too (an escaped key is left to the tree; the rest are written as they are).
  for (std::size_t before = 0; before <= 20; ++before) {
    std::string mine, theirs;
    const std::string plain = "{\"" + std::string(before, 'k') + "\xc3\xa9\":1,\"a\":2}";
    REQUIRE(canonical(plain, mine));
    REQUIRE(reference(plain, theirs));
    CHECK(mine == theirs);
    CHECK_FALSE(canonical("{\"" + std::string(before, 'k') + "\\n\":1}", mine));
  }
}

TEST_CASE("canonical batch: the writer's footprint estimate follows approxBytes for plain entities") {
  const std::string text = R"({"title":"a title long enough to leave the small buffer","n":1,"tags":["x",2],"m":{"k":null}})";
  JsonReader reader(text, 72);
  CanonicalWriter writer(reader, kMaxDepth);
  std::string out;
  REQUIRE(writer.object("id", out));
  json tree;
  JsonReader again(text, 72);
  REQUIRE(again.parseDocument(tree));
  CHECK(writer.approxBytes() == syncore::approxBytes(tree));
}

TEST_CASE("canonical batch: applying through the text path stores what the tree path stores") {
  const std::vector<std::string> batches = {
      upsert("c", R"({"title":"new","id":"c","b":[{"z":1,"a":2}],"a":1.5})"),
      upsert("c", R"({"title":"no id field"})"),                   // the id goes first
      upsert("c", R"({"zz":1,"aa":2})"),                           // the id goes in the middle
      upsert("c", R"({"a":1,"b":2})"),                             // the id goes last
      upsert("c", R"({})"),                                        // the id alone
      upsert("7", R"({"x":"\u00e9\n"})"),                          // an integer-looking id
      R"({"ops":[{"op":"upsert","collection":"todos","version":2,"data":{"t":"x","id":7}}]})",  // an integer id field
      upsert("b", R"({"id":"b","title":"B","n":2})", 1),           // same version, same data: a no-op
      upsert("b", R"({"n":2,"title":"B","id":"b"})", 1),           // the same, keys out of order
      upsert("b", R"({"id":"b","title":"B","n":2.0})", 1),         // same version, equal as trees
      upsert("b", R"({"id":"b","title":"B","n":2})", 5),           // a newer version, same data
      upsert("b", R"({"id":"b","title":"B2","n":2})", 0),          // stale
      upsert("a", R"({"title":"theirs","n":7,"id":"a"})", 3),      // meets a pending edit: a rebase
      upsert("a", R"({"n":7,"title":"mine","id":"a"})", 3),        // the rebase finds the edit already there
      upsert("c", R"({"a":1,"a":2})"),                             // a repeated key: the tree's
      upsert("c", R"({"\u0061":1,"b":2})"),                        // an escaped key: the tree's
      upsert("c", R"({"id":"d","t":1})"),                          // an id mismatch: the tree path's error
      upsert("c", R"({"id":"","t":1})"),
      upsert("c", R"({"id":true,"t":1})"),
      upsert("c", "{\"t\":" + nested(kMaxDepth) + "}"),             // too deep: TooDeep, as before
      upsert("c", R"({"t":1,})"),                                  // bad JSON
      // collection after data, and ops mixing both paths
      R"({"ops":[{"data":{"t":1},"op":"upsert","id":"c","version":2,"collection":"todos"},
                 {"op":"upsert","collection":"todos","id":"d","version":2,"data":{"t":1,"t":2}},
                 {"op":"delete","collection":"todos","id":"b","version":4}],"cursor":9})",
      // a repeated data key: the last one wins, text or tree
      R"({"ops":[{"op":"upsert","collection":"todos","id":"c","version":2,"data":{"t":1,"t":2},"data":{"t":3}}]})",
      R"({"ops":[{"op":"upsert","collection":"todos","id":"c","version":2,"data":{"t":3},"data":{"t":1,"t":2}}]})",
  };
  for (const auto& text : batches) checkSameApply(json::object(), text);
  // A collection with its own id field (read or added under that name).
  for (const auto& text : {upsert("c", R"({"title":"t","key":"c"})"), upsert("c", R"({"title":"t"})"),
                           std::string(R"({"ops":[{"data":{"z":1},"op":"upsert","id":"c","version":2,"collection":"todos"}]})")})
    checkSameApply({{"idField", "key"}}, text);
}

TEST_CASE("canonical batch: random batches apply through the text path as through the tree path") {
  Generator gen(7);
  for (int i = 0; i < 300; ++i) {
    std::string ops;
    for (int k = 0; k < 3; ++k) {
      if (k > 0) ops += ',';
      const std::string id = std::string(1, static_cast<char>('a' + (i + k) % 4));
      ops += R"({"op":"upsert","collection":"todos","id":")" + id + R"(","version":)" + std::to_string(2 + i % 3) +
             R"(,"data":)" + gen.entity() + "}";
    }
    checkSameApply(json::object(), "{\"ops\":[" + ops + "]}");
  }
}

TEST_CASE("canonical batch: the echo of our own upsert, read as text, acknowledges it") {
  SyncCore tree = makeClient(), direct = makeClient();
  for (SyncCore* core : {&tree, &direct}) {
    mutate(*core, {{"collection", "todos"}, {"op", "create"}, {"id", "n1"}, {"data", {{"title", "mine"}}}});
    goOnline(*core);
  }
  const std::string echo = R"({"ops":[{"op":"upsert","collection":"todos","id":"n1","version":1,"origin":"c1:1",
                               "data":{"title":"mine","server":true}}]})";
  const BatchOutcome a = applyBatch(tree, echo, false), b = applyBatch(direct, echo, true);
  REQUIRE(a.status.isOk());
  CHECK(a.commit == b.commit);
  CHECK(a.records == b.records);
  CHECK(b.pending == "[]");
  CHECK(view(direct, "n1") == json({{"id", "n1"}, {"title", "mine"}, {"server", true}}));
}

TEST_CASE("canonical batch: an open live query follows a field changed by a text-path batch") {
  SyncCore core = makeClient();
  Commit loaded;
  REQUIRE(core.applyServerText(R"({"ops":[
      {"op":"upsert","collection":"todos","id":"a","version":1,"data":{"rank":3,"done":false,"id":"a"}},
      {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"done":false,"rank":1}},
      {"op":"upsert","collection":"todos","id":"c","version":1,"data":{"rank":2,"done":true}}]})", 1000, loaded).isOk());
  syncore::QueryUpdate first;
  REQUIRE(core.openQuery(json::parse(R"({"collection":"todos","where":[["done","eq",false]],"orderBy":["rank"]})"), first).isOk());
  CHECK(first.ids == std::vector<std::string>{"b", "a"});
  // The filter field and the sort field change through the text path (keys out of order).
  Commit c;
  REQUIRE(core.applyServerText(R"({"ops":[
      {"op":"upsert","collection":"todos","id":"c","version":2,"data":{"rank":0,"done":false}},
      {"op":"upsert","collection":"todos","id":"a","version":2,"data":{"rank":-1,"id":"a","done":false}},
      {"op":"upsert","collection":"todos","id":"b","version":2,"data":{"done":true,"rank":1}}]})", 1000, c).isOk());
  syncore::QueryUpdate now;
  REQUIRE(core.queryResult(first.query, now).isOk());
  CHECK(now.ids == std::vector<std::string>{"a", "c"});
  CHECK(now.total == 2);
  // And during a full resync (the server's word overwrites).
  Commit r;
  REQUIRE(core.beginResync(1000, r).isOk());
  REQUIRE(core.applyServerText(R"({"ops":[
      {"op":"upsert","collection":"todos","id":"a","version":1,"data":{"rank":5,"done":false}},
      {"op":"upsert","collection":"todos","id":"b","version":1,"data":{"rank":4,"done":false}},
      {"op":"upsert","collection":"todos","id":"c","version":1,"data":{"rank":6,"done":true}}]})", 1000, r).isOk());
  REQUIRE(core.finishResync(3, "e2", 1000, r).isOk());
  REQUIRE(core.queryResult(first.query, now).isOk());
  CHECK(now.ids == std::vector<std::string>{"b", "a"});
}

}  // namespace test_canonical_batch
