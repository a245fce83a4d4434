// Fuzz target: the boundary's fast JSON parser against parseJson, and both against nlohmann's.
// parseJsonFast copies string runs by hand for speed; every text that crosses from JS goes
// through it, so it must agree with parseJson exactly; and parseJson reads with the core's own
// reader as well, so both are held to nlohmann's json::parse within the limits. Input: one byte
// choosing the limits, then the text. Invariants: the same status code; on success the same
// value, dumped to the same bytes (so an integer never turns into a float, nor a string's escapes
// into other characters).
#include "fuzz_support.hpp"
#include "wire/json_fast.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  syncore::ParseLimits limits;  // the defaults, or tight ones so the limit paths are reached
  if (data[0] & 1) limits.maxDepth = 1 + (data[0] >> 4);
  if (data[0] & 2) limits.maxBytes = 8u + (data[0] >> 1) * 8u;
  const std::string_view text = fuzz::asText(data + 1, size - 1);

  fuzz::json expected;
  fuzz::json actual;
  const syncore::Status ref = syncore::parseJson(text, expected, limits);
  const syncore::Status fast = syncore::parseJsonFast(text, actual, limits);
  fuzz::require(ref.code == fast.code, "parseJsonFast and parseJson disagree on the status",
                ref.message + " | " + fast.message);
  if (!ref) {
    fuzz::require(actual.is_null(), "parseJsonFast set its output on failure");
    return 0;
  }
  fuzz::require(expected.dump() == actual.dump(), "parseJsonFast built another value",
                expected.dump() + " | " + actual.dump());
  if (ref.code == syncore::ErrorCode::TooLarge || ref.code == syncore::ErrorCode::TooDeep) return 0;
  // parseJson reads with the core's own reader too: within its limits it must accept what
  // nlohmann's parser accepts and build the same value.
  const fuzz::json reference = fuzz::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  fuzz::require(ref.isOk() == !reference.is_discarded(), "parseJson and nlohmann's parser disagree on the text",
                ref.message);
  if (ref) fuzz::require(expected.dump() == reference.dump(), "parseJson built another value than nlohmann's parser",
                         expected.dump() + " | " + reference.dump());
  return 0;
}
