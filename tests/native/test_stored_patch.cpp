// A top-level merge patch applied to an entity's stored text (store/stored_json.hpp's
// patchStoredText): its text must be byte for byte the tree path's, storedText of the merge patch
// applied to the tree read from the text, and what it cannot patch exactly it must leave to the tree.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "base/merge_patch.hpp"
#include "base/prng.hpp"
#include "store/stored_json.hpp"
#include "wire/json_reader.hpp"

// One namespace per test file (the unity build compiles several files as one).
namespace test_stored_patch {

using syncore::JsonReader;
using json = nlohmann::json;

namespace {

// A document as the boundary's reader types it (unsigned, signed and float numbers alike).
json read(const std::string& text) {
  JsonReader reader(text, 64);
  json out;
  REQUIRE(reader.parseDocument(out));
  return out;
}

// The tree path: the stored text read into a tree, patched, written again.
std::string reference(const std::string& stored, const json& patch) {
  return syncore::storedText(syncore::applyMergePatch(syncore::treeFromStored(stored), patch));
}

// True when the text path patched it (and then with the tree path's bytes, and its answer to
// whether anything changed: the patched tree differs from the tree).
bool checkSame(const std::string& stored, const json& patch) {
  INFO("stored " << stored << " patch " << syncore::dumpJson(patch));
  std::string mine = "junk before";  // appended to: what was there stays
  bool changes = false;
  if (!syncore::patchStoredText(stored, patch, mine, &changes)) return false;
  CHECK(mine == "junk before" + reference(stored, patch));
  const json tree = syncore::treeFromStored(stored);
  CHECK(changes == (syncore::applyMergePatch(tree, patch) != tree));
  std::string again;  // the same text without the question
  CHECK(syncore::patchStoredText(stored, patch, again));
  CHECK("junk before" + again == mine);
  return true;
}

// (entity as any JSON text, patch as JSON text): each must be patched on the text.
const char* const kPatched[][2] = {
    {R"({})", R"({})"},
    {R"({})", R"({"a":1})"},
    {R"({})", R"({"a":null})"},
    {R"({"a":1})", R"({"a":null})"},  // the only member removed: {}
    {R"({"a":1,"b":2,"c":3})", R"({"b":null})"},
    {R"({"a":1,"b":2,"c":3})", R"({"a":null,"c":null})"},
    {R"({"a":1,"b":2,"c":3})", R"({"a":null,"b":null,"c":null,"d":null})"},
    {R"({"b":1})", R"({"a":0,"c":2})"},  // before and after the one member
    {R"({"id":"e1","score":5,"title":"x"})", R"({"score":6})"},
    {R"({"id":"e1","score":5,"title":"x"})", R"({"score":5})"},  // the same value again
    {R"({"a":1,"aa":2,"a0":3,"a ":4,"ab":5,"B":6})", R"({"a":9,"a!":8,"aa":null,"A":7,"":1})"},  // prefixes, case, ""
    {R"({"é":1,"e":2,"z":{"x":1}})", R"({"f":[1,{"g":null}]})"},  // non-ASCII stored keys kept where they are
    {R"({"n":1})", R"({"n":[0,-0,-0.0,0.0,1e300,5e-324,18446744073709551615,9223372036854775808,-9223372036854775808,1.5,100.0,1e21]})"},
    {R"({"n":1})", R"({"n":-0.0})"},
    {R"({"n":1})", R"({"n":18446744073709551615})"},
    {R"({"n":1})", R"({"n":0.1})"},
    {R"({"s":1})", R"({"s":"tab\t \"q\" \\ \/ \u0001 \u007f é 😀 \u2028 \ud83d\ude00"})"},
    {R"({"obj":{"x":[1,2]},"arr":[{"b":1,"a":2}]})", R"({"obj":7})"},  // an object replaced by a scalar
    {R"({"obj":{"x":[1,2]},"arr":[{"b":1,"a":2}]})", R"({"arr":[{"d":1,"c":null}],"obj":null})"},
    {R"({"s":"a,b}c\"d:e","t":[",","}"],"u":{"v":"}"}})", R"({"t":true,"w":false})"},  // punctuation inside values
    {R"({"n":1,"m":[1,2]})", R"({"n":1.0})"},  // equal for the tree path (json ==): no change, 1.0 written
    {R"({"n":1,"m":[1,2]})", R"({"m":[1.0,2],"x":null})"},
    {R"({"n":-0.0})", R"({"n":0})"},
};

// (entity, patch): left to the tree.
const char* const kLeft[][2] = {
    {R"({"a":1})", R"({"a":{"b":1}})"},  // merged, not set
    {R"({"a":1})", R"({"b":{}})"},
    {R"({"a":1})", R"({"é":1})"},  // a key past ASCII
    {R"({"a":1})", R"({"a\"b":1})"},  // a key written escaped
    {R"({"a":1})", R"({"a\u0001":1})"},
    {R"({"a\"b":1})", R"({"c":1})"},  // an escaped key in the text
    {R"([1,2])", R"({"c":1})"},  // not an object
    {R"(7)", R"({"c":1})"},
    {R"({"a":1})", R"([1])"},  // not a merge patch of fields
    {R"({"a":1})", R"(null)"},
};

// Random documents and top-level patches (as text, read by the boundary's reader), to compare
// the text path with the tree path wherever it patches.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::string entity() {
    std::string s;
    object(s, 1);
    return s;
  }

  // Fields of the entity's pool (replaced, removed) and others; an object value now and then.
  std::string patch() {
    std::string s = "{";
    for (std::int64_t n = pick(0, 5), i = 0; i < n; ++i) {
      if (i > 0) s += ',';
      key(s);
      s += ':';
      const std::int64_t what = pick(0, 19);
      if (what < 6) s += "null";
      else if (what == 6) object(s, 2);
      else value(s, 3);
    }
    return s + "}";
  }

 private:
  syncore::Prng rng_;

  std::int64_t pick(std::int64_t lo, std::int64_t hi) { return rng_.uniform(lo, hi); }

  void key(std::string& s) {
    static const char* const kKeys[] = {"id", "a", "b", "title", "score", "z", "A", "a0", "aa", "", "x y", "n", "_k",
                                        "é", "a\\\"", "~", "body"};
    s += '"';
    s += kKeys[pick(0, pick(0, 9) == 0 ? 16 : 12)];
    if (pick(0, 3) == 0) s += std::to_string(pick(0, 12));
    s += '"';
  }

  void string(std::string& s) {
    static const char* const kParts[] = {"plain", " ", "é", "中", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9",
                                         "\\u0001", "\\ud83d\\ude00", "\\t", "\\u2028", "\x7f", "\\u0000", ",}]:"};
    s += '"';
    for (std::int64_t n = pick(0, 5); n > 0; --n) s += kParts[pick(0, 16)];
    s += '"';
  }

  void number(std::string& s) {
    static const char* const kNumbers[] = {"0", "-0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808",
                                           "9223372036854775808", "18446744073709551615", "18446744073709551616",
                                           "123456789012345678", "-1234567890123456789", "0.0", "-0.0", "1.5",
                                           "1e5", "1E-5", "1e+300", "2.5e-320", "0.1", "100.0", "1e21", "12.340"};
    if (pick(0, 2) == 0) s += std::to_string(pick(-1000000, 1000000));
    else s += kNumbers[pick(0, 22)];
  }

  void value(std::string& s, int depth) {
    switch (pick(0, depth >= 4 ? 5 : 7)) {
      case 0: case 5: string(s); return;
      case 1: number(s); return;
      case 2: s += "true"; return;
      case 3: s += "false"; return;
      case 4: s += "null"; return;
      case 6: object(s, depth + 1); return;
      default: array(s, depth + 1); return;
    }
  }

  void object(std::string& s, int depth) {
    s += '{';
    for (std::int64_t n = pick(0, 7), i = 0; i < n; ++i) {
      if (i > 0) s += ',';
      key(s);  // a repeated key: the reader keeps the last, as the tree would
      s += ':';
      value(s, depth);
    }
    s += '}';
  }

  void array(std::string& s, int depth) {
    s += '[';
    for (std::int64_t n = pick(0, 3), i = 0; i < n; ++i) {
      if (i > 0) s += ',';
      value(s, depth);
    }
    s += ']';
  }
};

}  // namespace

TEST_CASE("patchStoredText writes the tree path's bytes for top-level patches", "[stored_patch]") {
  for (const auto& [entity, patch] : kPatched) {
    const std::string stored = syncore::storedText(read(entity));
    INFO(entity << " + " << patch);
    CHECK(checkSame(stored, read(patch)));
  }
}

TEST_CASE("patchStoredText leaves nested patches, odd keys and non-objects to the tree", "[stored_patch]") {
  for (const auto& [entity, patch] : kLeft) {
    const std::string stored = syncore::storedText(read(entity));
    INFO(entity << " + " << patch);
    std::string out;
    CHECK_FALSE(syncore::patchStoredText(stored, read(patch), out));
  }
  std::string out;
  CHECK_FALSE(syncore::patchStoredText("", read("{}"), out));
  CHECK_FALSE(syncore::patchStoredText("{\"a\":1,}", read("{}"), out));  // not canonical text
  CHECK_FALSE(syncore::patchStoredText("{\"a\"}", read("{}"), out));
}

TEST_CASE("patchStoredText matches the tree path on random entities and patches", "[stored_patch]") {
  Generator gen(20261201);
  int patched = 0, left = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string stored = syncore::storedText(read(gen.entity()));
    const json patch = read(gen.patch());
    if (checkSame(stored, patch)) ++patched;
    else ++left;
  }
  // Both paths taken often: the comparison covers the text path, and the fallbacks happen.
  CHECK(patched > 10000);
  CHECK(left > 1000);
}

TEST_CASE("patchStoredText says whether the patch changes anything", "[stored_patch]") {
  const std::string stored = syncore::storedText(read(R"({"a":1,"b":"x","c":[1,{"d":null}]})"));
  const auto changes = [&](const char* patch) {
    std::string out;
    bool changed = true;
    REQUIRE(syncore::patchStoredText(stored, read(patch), out, &changed));
    return changed;
  };
  CHECK_FALSE(changes(R"({})"));
  CHECK_FALSE(changes(R"({"a":1})"));
  CHECK_FALSE(changes(R"({"a":1.0,"b":"x"})"));
  CHECK_FALSE(changes(R"({"z":null})"));  // removing what is not there
  CHECK_FALSE(changes(R"({"c":[1,{"d":null}]})"));
  CHECK(changes(R"({"a":2})"));
  CHECK(changes(R"({"b":null})"));
  CHECK(changes(R"({"z":0})"));
  CHECK(changes(R"({"a":1,"c":[1]})"));
  CHECK(changes(R"({"a":"1"})"));
}

}  // namespace test_stored_patch
