// parseJsonFast must answer exactly as parseJson does: the same value (types included, so the
// dumps are compared) or the same error code; and both as nlohmann's json::parse does, within the
// limits. Hand-picked edge cases, then seeded random mutations.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "wire/json_fast.hpp"
#include "base/prng.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_json_fast {

using syncore::json;
using syncore::ParseLimits;
using syncore::Status;

namespace {

void checkSame(const std::string& text, const ParseLimits& limits = ParseLimits{}) {
  json slow, fast;
  Status s = syncore::parseJson(text, slow, limits);
  Status f = syncore::parseJsonFast(text, fast, limits);
  INFO("input: " << text);
  REQUIRE(s.code == f.code);
  if (s.isOk()) CHECK(syncore::dumpJson(fast) == syncore::dumpJson(slow));
  // Both read with the core's reader, so both are also held to nlohmann's own parser: within the
  // limits (parseJson's own checks), the same texts accepted and the same values built.
  if (s.code == syncore::ErrorCode::TooLarge || s.code == syncore::ErrorCode::TooDeep) return;
  const json reference = json::parse(text, nullptr, /*allow_exceptions=*/false);
  REQUIRE(s.isOk() == !reference.is_discarded());
  if (s.isOk()) CHECK(syncore::dumpJson(slow) == syncore::dumpJson(reference));
}

}  // namespace

TEST_CASE("json_fast: values and edge cases parse exactly as parseJson") {
  const std::vector<std::string> cases = {
      "{}", "[]", "0", "-0", "1", "-1", "1.0", "1e3", "1E+3", "-1.5e-3", "0.1", "123456789012345678",
      "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
      "1e400", "-1e400", "01", "1.", ".5", "-", "+1", "1e", "1e+", "NaN", "Infinity", "true", "false",
      "null", "tru", "nul", "\"\"", "\"a\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0000\"", "\"\\u00e9\"",
      "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"", "\"\\u12\"", "\"\\x\"",
      "\"caf\xc3\xa9\"", "\"\xf0\x9f\x98\x80\"", "\"\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"", "\"\xe0\x80\x80\"", "\"\xff\"", "\"tab\there\"", "\"line\nbreak\"",
      "\"unterminated", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}", "{\"a\":1,}", "[1,]",
      "[1 2]", "{\"a\" 1}", "{1:2}", " \t\r\n[ 1 , 2 ] \n", "[1] x", "", "   ", "\xef\xbb\xbf{}",
      "{\"k\":\"v\"}garbage", "[[[[]]]]", "{\"ops\":[{\"op\":\"upsert\",\"collection\":\"s\",\"id\":\"s1\","
      "\"version\":2,\"data\":{\"id\":\"s1\",\"name\":\"student 1\",\"score\":5,\"grade\":1}}]}"};
  for (const auto& text : cases) checkSame(text);
}

// Keys in ascending order go in at the map's end without a search (the store's canonical text);
// any other order, and repeated keys, must still give nlohmann's object (the last value wins).
TEST_CASE("json_fast: objects in any key order, repeated keys included, parse as parseJson") {
  for (const char* text : {"{\"a\":1,\"b\":2,\"c\":3}", "{\"c\":1,\"b\":2,\"a\":3}", "{\"a\":1,\"b\":2,\"a\":3}",
                           "{\"a\":1,\"b\":2,\"b\":3}", "{\"b\":1,\"a\":2,\"c\":3,\"a\":4}", "{\"ab\":1,\"a\":2,\"abc\":3}",
                           "{\"\":0,\"a\":{\"y\":1,\"x\":2,\"y\":3},\"b\":[{\"b\":1,\"a\":2}]}"})
    checkSame(text);
  json out;
  REQUIRE(syncore::parseJsonFast("{\"a\":1,\"b\":2,\"a\":3,\"b\":4}", out, ParseLimits{}).isOk());
  CHECK(out == json{{"a", 3}, {"b", 4}});
}

TEST_CASE("json_fast: the limits give parseJson's errors") {
  ParseLimits tight;
  tight.maxDepth = 3;
  tight.maxBytes = 64;
  checkSame("[[[1]]]", tight);
  checkSame("[[[[1]]]]", tight);
  checkSame("{\"a\":{\"b\":{\"c\":{}}}}", tight);
  checkSame("\"" + std::string(100, 'x') + "\"", tight);
  checkSame("[\"[[[[\"]", tight);
}

TEST_CASE("json_fast: seeded random mutations of valid documents agree with parseJson") {
  const std::string seedDoc =
      "{\"ops\":[{\"op\":\"upsert\",\"collection\":\"s\",\"id\":\"s\\u00e91\",\"version\":-2,\"data\":"
      "{\"id\":\"s1\",\"note\":\"caf\xc3\xa9 \\n \\ud83d\\ude00\",\"score\":1.5e2,\"tags\":[true,false,null,0,-0]}}],"
      "\"cursor\":18446744073709551615}";
  const std::string alphabet = "{}[],:\"\\/ -+.0123456789eEtrufalsn\xc3\xa9\xed\xf0\x80\x9f\x01\tu";
  syncore::Prng prng(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string text = seedDoc;
    const int edits = 1 + static_cast<int>(prng.uniform(0, 3));
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = static_cast<std::size_t>(prng.uniform(0, static_cast<std::int64_t>(text.size()) - 1));
      const char ch = alphabet[static_cast<std::size_t>(prng.uniform(0, static_cast<std::int64_t>(alphabet.size()) - 1))];
      switch (prng.uniform(0, 2)) {
        case 0: text[at] = ch; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), ch); break;
        default: text.erase(at, 1); break;
      }
    }
    checkSame(text);
  }
}
}  // namespace test_json_fast
