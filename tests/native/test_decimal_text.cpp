#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "base/decimal_text.hpp"

// One namespace per test file: the unity build compiles several files as one.
namespace test_decimal_text {

using syncore::decimalHasNonzeroDigit;
using syncore::decimalNumberLength;

// The length strtod (glibc) reads, for the inputs both are meant to read alike.
std::size_t strtodLength(const char* text) {
  char* end = nullptr;
  static_cast<void>(std::strtod(text, &end));
  return static_cast<std::size_t>(end - text);
}

TEST_CASE("decimal_text: a number's extent is what strtod reads") {
  for (const char* text : {"0", "-0", "+7", "12.5", "-0.25e-3", "1E+05", "5.", ".5", "5.e3", "1e", "1e+",
                           "1e-x", "1.5]", "00012,", "123456789012345678901234567890e-10", "2.2250738585072014e-308",
                           "1e400", "-", "+", ".", "-.e5", "e5", "", "x1", "1..2", "1.2.3", "9}"}) {
    INFO(text);
    CHECK(decimalNumberLength(text) == strtodLength(text));
  }
}

TEST_CASE("decimal_text: hex, inf and nan are not read (no JSON number is one)") {
  CHECK(decimalNumberLength("0x1p3") == 1);  // the "0" only
  CHECK(decimalNumberLength("inf") == 0);
  CHECK(decimalNumberLength("-nan") == 0);
}

TEST_CASE("decimal_text: a nonzero digit before the exponent") {
  CHECK(decimalHasNonzeroDigit("1e-400", 6));
  CHECK(decimalHasNonzeroDigit("0.0001e-400", 11));
  CHECK_FALSE(decimalHasNonzeroDigit("0.000e5", 7));
  CHECK_FALSE(decimalHasNonzeroDigit("-0e9", 4));
  CHECK_FALSE(decimalHasNonzeroDigit("0.0", 3));
}

}  // namespace test_decimal_text
