// libc's number formatting and parsing replaced for the release wasm (wasm/flags.cmake; the debug
// build keeps libc's). The executable's own objects load before libc.a, so these definitions
// keep musl's snprintf.o, sprintf.o and strtod.o out of the link, and with them printf's
// floating-point core (fmt_fp, fmodl) and strtod's 128-bit long-double soft float (__divtf3,
// __multf3, __addtf3, ...): ~20 KB of wasm. docs/build.md, "Size" has the bytes.
//
// - snprintf: the integer and string conversions of src/base/int_format.hpp, all
//   that is formatted here (nlohmann's "\u%04x" escapes, the outbox's "%016llx"; nlohmann's
//   lexer and its "<U+%.4X>" error tokens are no longer linked, stop 28); libc++'s
//   to_string(double) would need %f, and nothing calls it.
// - strtod: the number's extent by src/base/decimal_text.hpp, its value by the host's Number()
//   (wasm/number_library.js), correctly rounded as glibc's strtod is in the native build. Its
//   one caller (src/wire/json_reader.hpp, the core's only JSON parser in the wasm since stop 28)
//   hands it JSON numbers already scanned.
// - strtof / strtold: only so that strtod.o (which defines all three) is never pulled in by
//   libc++'s std::stof / std::stold, which nothing calls.
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstddef>

#include "base/decimal_text.hpp"
#include "base/int_format.hpp"

extern "C" {

// wasm/number_library.js: Number() of the ASCII text [text, text + length).
double syncore_parse_decimal(const char* text, int length);

int snprintf(char* out, std::size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = syncore::formatIntegers(out, size, format, args);
  va_end(args);
  return n;
}

// embind's __getTypeName formats a type's address with sprintf("%p"), which the compiler turns
// into the integer-only siprintf; without this one, libc's sprintf.o brings printf's core back.
int siprintf(char* out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = syncore::formatIntegers(out, static_cast<std::size_t>(-1), format, args);
  va_end(args);
  return n;
}

double strtod(const char* text, char** end) {
  const char* p = text;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) ++p;  // isspace in the C locale
  const std::size_t length = syncore::decimalNumberLength(p);
  if (end != nullptr) *end = const_cast<char*>(length == 0 ? text : p + length);
  if (length == 0) return 0;
  const double value = syncore_parse_decimal(p, static_cast<int>(length));
  if (std::isinf(value) || (value == 0 && syncore::decimalHasNonzeroDigit(p, length))) errno = ERANGE;
  return value;
}

float strtof(const char* text, char** end) { return static_cast<float>(strtod(text, end)); }

long double strtold(const char* text, char** end) { return strtod(text, end); }

}  // extern "C"
