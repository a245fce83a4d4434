#include <catch2/catch.hpp>

#include "base/json_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_json_util {

using namespace syncore;

TEST_CASE("json_util: parse accepts valid JSON and rejects bad input with its own code") {
  json out;
  REQUIRE(parseJson(R"({"a":[1,2,{"b":null}]})", out).isOk());
  CHECK(out["a"][2].contains("b"));

  CHECK(parseJson("{bad", out).code == ErrorCode::BadJson);
  CHECK(parseJson("", out).code == ErrorCode::BadJson);
  CHECK(parseJson("[1,2,]", out).code == ErrorCode::BadJson);
  CHECK(parseJson("NaN", out).code == ErrorCode::BadJson);
  CHECK(parseJson(std::string("\"\xff\xfe\""), out).code == ErrorCode::BadJson);  // invalid UTF-8
  // the failed parses left the previous value in place
  CHECK(out["a"].size() == 3);
}

TEST_CASE("json_util: parseJsonValue reads one JSON value as json::parse does, or says false") {
  for (const char* text : {"0", "-1.5e3", "18446744073709551615", "-9223372036854775808", "\"a\\u00e9\\ud83d\\ude00\"",
                           " {\"a\":[1,{\"b\":null},true,false]} ", "[]", "{}", "\"\"", "[1e400]"}) {
    INFO(text);
    json mine;
    const json theirs = json::parse(text, nullptr, false);
    CHECK(parseJsonValue(text, mine) == !theirs.is_discarded());
    if (!theirs.is_discarded()) {
      CHECK(mine == theirs);
      CHECK(mine.type() == theirs.type());
    }
  }
  for (const char* text : {"", " ", "1 2", "[1,]", "{\"a\"}", "nul", "[1", "\"\\x\"", "// c\n1", "[1e400]", "\"\xff\""}) {
    INFO(text);
    json out;
    CHECK_FALSE(parseJsonValue(text, out));
  }
}

TEST_CASE("json_util: size and depth limits are enforced before parsing") {
  json out;
  ParseLimits limits;
  limits.maxBytes = 10;
  CHECK(parseJson("[1,2,3,4,5,6]", out, limits).code == ErrorCode::TooLarge);
  limits.maxBytes = 1 << 20;
  limits.maxDepth = 4;
  CHECK(parseJson("[[[[1]]]]", out, limits).isOk());
  CHECK(parseJson("[[[[[1]]]]]", out, limits).code == ErrorCode::TooDeep);
  // brackets inside strings do not count
  CHECK(parseJson(R"(["[[[[[[[[", "\"[[[[[["])", out, limits).isOk());
  std::string deep(100000, '[');
  CHECK(parseJson(deep, out).code == ErrorCode::TooDeep);
}

TEST_CASE("json_util: dump never aborts on invalid UTF-8 held in a value") {
  json v = std::string("ok\xff");
  std::string text = dumpJson(v);
  CHECK(text.find("ok") != std::string::npos);
}

TEST_CASE("json_util: paths walk nested objects and arrays") {
  json doc = json::parse(R"({"meta":{"owner":{"name":"ann"}},"tags":["x","y"]})");
  const json* name = lookupPath(doc, splitPath("meta.owner.name"));
  REQUIRE(name != nullptr);
  CHECK(*name == "ann");
  const json* tag = lookupPath(doc, splitPath("tags.1"));
  REQUIRE(tag != nullptr);
  CHECK(*tag == "y");
  CHECK(lookupPath(doc, splitPath("tags.2")) == nullptr);
  CHECK(lookupPath(doc, splitPath("tags.x")) == nullptr);
  CHECK(lookupPath(doc, splitPath("tags.99999999999999999999")) == nullptr);
  CHECK(lookupPath(doc, splitPath("meta.owner.name.first")) == nullptr);
  CHECK(lookupPath(doc, splitPath("missing")) == nullptr);
}

TEST_CASE("json_util: ids from strings and integers, nothing else") {
  std::string id;
  CHECK(idFromJson(json("abc"), id));
  CHECK(id == "abc");
  CHECK(idFromJson(json(42), id));
  CHECK(id == "42");
  CHECK(idFromJson(json(-7), id));
  CHECK(id == "-7");
  CHECK_FALSE(idFromJson(json(""), id));
  CHECK_FALSE(idFromJson(json(1.5), id));
  CHECK_FALSE(idFromJson(json(nullptr), id));
  CHECK_FALSE(idFromJson(json::object(), id));
}

TEST_CASE("json_util: approximate size grows with content") {
  json small = json::parse(R"({"a":1})");
  json big = json::parse(R"({"a":1,"b":"a long string value that takes room","c":[1,2,3,4]})");
  CHECK(approxBytes(small) > 0);
  CHECK(approxBytes(big) > approxBytes(small));
}
TEST_CASE("json_util: a string is written as nlohmann's dump writes it, a special byte at any offset") {
  // appendJsonString skips plain bytes 8 at a time: each byte that needs a look (an escape, a
  // control byte, UTF-8 of two to four bytes, invalid UTF-8) at every position of runs longer and
  // shorter than a word, and next to each other.
  const std::vector<std::string> specials = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\xa8",
                                             "\xf0\x9f\x98\x80", "\xff", "\xc3", " ", "\x20\x21"};
  std::size_t checked = 0;
  for (const std::string& special : specials) {
    for (std::size_t before = 0; before <= 17; ++before) {
      for (std::size_t after : {0, 1, 7, 8, 9}) {
        const std::string text = std::string(before, 'a') + special + std::string(after, 'b') + special;
        std::string out = "x";
        appendJsonString(out, text);
        INFO("special " << json(special).dump(-1, ' ', true, json::error_handler_t::replace) << " after " << before);
        CHECK(out == "x" + json(text).dump(-1, ' ', false, json::error_handler_t::replace));
        ++checked;
      }
    }
  }
  CHECK(checked == specials.size() * 18 * 5);
  std::string plain(1000, 'q');
  std::string out;
  appendJsonString(out, plain);
  CHECK(out == "\"" + plain + "\"");
}

TEST_CASE("json_util: a string is read as json::parse reads it, a special byte at any offset") {
  // JsonReader::parseString skips plain bytes 8 at a time: each text that needs a look (an
  // escape, a \u escape and a surrogate pair, UTF-8 of two to four bytes, a raw control byte, an
  // invalid byte, the closing quote itself) at every position of runs longer and shorter than a word.
  const std::vector<std::string> specials = {"\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9",
                                             "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\x7f", "\x01", "\xff", "\xc3", "\\x"};
  std::size_t checked = 0;
  for (const std::string& special : specials) {
    for (std::size_t before = 0; before <= 17; ++before) {
      for (std::size_t after : {0, 1, 7, 8, 9}) {
        const std::string text = "\"" + std::string(before, 'a') + special + std::string(after, 'b') + special + "\"";
        INFO("text " << json(text).dump(-1, ' ', true, json::error_handler_t::replace));
        json mine;
        const json theirs = json::parse(text, nullptr, false);
        CHECK(parseJsonValue(text, mine) == !theirs.is_discarded());
        if (!theirs.is_discarded()) CHECK(mine == theirs);
        ++checked;
      }
    }
    // Unterminated: the run reaches the end of the text inside the 8-byte loop.
    json out;
    CHECK_FALSE(parseJsonValue("\"" + std::string(16, 'a') + special, out));
  }
  CHECK(checked == specials.size() * 18 * 5);
}

}  // namespace test_json_util
