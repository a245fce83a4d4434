// printf for integers and strings, without floating point. The release wasm links it in place of
// libc's snprintf (wasm/libc_overrides.cpp): musl's printf core always carries %f/%g/%La (fmt_fp,
// fmodl, 128-bit long-double soft float), ~8 KB of wasm, for callers that only ever format
// integers: nlohmann's "\u%04x" escapes, the outbox's "%016llx" (and, in the native build,
// the "<U+%.4X>" error tokens of nlohmann's lexer, which the wasm no longer links).
// Pure and deterministic; tests/native/test_int_format.cpp holds it to glibc's snprintf.
#pragma once
#include <cstdarg>
#include <cstddef>

namespace syncore {

// vsnprintf's contract (writes at most size - 1 characters and a NUL when size > 0; returns the
// length the whole text would have) for the conversions d i u x X o c s p %, the flags - 0 + space
// #, a width and a precision (digits or *), the lengths hh h l ll j z t. A floating conversion
// (e f g a, either case, L included) or %n takes its argument and is written as its own spec
// ("%.3f"), so a caller that needed one sees it at once instead of a wrong number.
int formatIntegers(char* out, std::size_t size, const char* format, std::va_list args);

}  // namespace syncore
