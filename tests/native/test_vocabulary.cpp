// The JS/TS mirror of the vocabulary (js/generated/vocabulary.js, written by
// scripts/gen_vocabulary.mjs from the header's text) names exactly what the compiled tables name,
// in the enums' order: the generator's reading of the header cannot drift from the compiler's.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "vocabulary.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_vocabulary {

#ifndef SYNCORE_SOURCE_DIR
#error "SYNCORE_SOURCE_DIR must name the source tree"
#endif

TEST_CASE("vocabulary: js/generated/vocabulary.js lists the compiled tables") {
  std::ifstream in(std::string(SYNCORE_SOURCE_DIR) + "/js/generated/vocabulary.js");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string js = text.str();
  int tables = 0;
  syncore::forEachVocabulary([&](const char* type, const char* const* names, std::size_t count) {
    std::string line = std::string("export const ") + type + "Names = Object.freeze([";
    for (std::size_t i = 0; i < count; ++i) line += (i > 0 ? ", '" : "'") + std::string(names[i]) + "'";
    line += "]);";
    INFO(line);
    CHECK(js.find(line) != std::string::npos);
    ++tables;
  });
  CHECK(tables == 10);
}

TEST_CASE("vocabulary: names and parsers agree") {
  syncore::EffectKind kind = syncore::EffectKind::Wake;
  CHECK(syncore::effectKindFromName("set-aside", kind));
  CHECK(kind == syncore::EffectKind::SetAside);
  CHECK_FALSE(syncore::effectKindFromName("nope", kind));
  CHECK(kind == syncore::EffectKind::SetAside);  // untouched
  syncore::Store store = syncore::Store::Meta;
  CHECK(syncore::storeFromName("deadLetters", store));
  CHECK(std::string(syncore::storeName(store)) == "deadLetters");
  CHECK(std::string(syncore::errorCodeName(syncore::ErrorCode::CorruptRecord)) == "CORRUPT_RECORD");
}
}  // namespace test_vocabulary
