// The extent of a decimal number in text, as strtod reads it. The release wasm's strtod
// (wasm/libc_overrides.cpp) finds the number with this and has the host's correctly rounded
// parser convert it, instead of musl's, which computes in 128-bit long-double soft float.
// Pure; tests/native/test_decimal_text.cpp.
#pragma once
#include <cstddef>

namespace syncore {

// The length of the decimal number at the start of text: [+-]? (digits [. digits?] | . digits)
// ([eE] [+-]? digits)?, an exponent marker without digits not included (strtod's rule); 0 when
// there is none. Hex floats, "inf" and "nan" are not read (0): every caller hands it a JSON
// number, whose grammar is narrower.
std::size_t decimalNumberLength(const char* text);

// Whether a digit of the significand (before any exponent) of text[0, length) is not 0: a
// number that reads as 0 without being 0 underflowed (strtod's ERANGE).
bool decimalHasNonzeroDigit(const char* text, std::size_t length);

}  // namespace syncore
