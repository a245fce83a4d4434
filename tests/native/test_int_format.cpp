#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

#include "base/int_format.hpp"

// One namespace per test file: the unity build compiles several files as one.
namespace test_int_format {

using syncore::formatIntegers;

// formatIntegers through a variadic front, as the wasm's snprintf calls it.
int ours(char* out, std::size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = formatIntegers(out, size, format, args);
  va_end(args);
  return n;
}

// Both formatters on the same arguments: the same text, the same return value.
#define SAME_AS_LIBC(format, ...)                                           \
  do {                                                                      \
    char mine[64] = "untouched";                                            \
    char libc[64] = "untouched";                                            \
    const int a = ours(mine, sizeof mine, format, __VA_ARGS__);             \
    const int b = std::snprintf(libc, sizeof libc, format, __VA_ARGS__);    \
    INFO(format);                                                           \
    CHECK(std::string(mine) == std::string(libc));                          \
    CHECK(a == b);                                                          \
  } while (false)

TEST_CASE("int_format: the formats nlohmann and the core use read as libc writes them") {
  SAME_AS_LIBC("\\u%04x", 0x1f);
  SAME_AS_LIBC("\\u%04x\\u%04x", 0xd83d, 0xde00);
  SAME_AS_LIBC("<U+%.4X>", 0x7u);
  SAME_AS_LIBC("%016llx", 0x1234abcdULL);
  SAME_AS_LIBC("%016llx", 0xffffffffffffffffULL);
  SAME_AS_LIBC("%p", reinterpret_cast<const void*>(std::uintptr_t{0x5a10}));
}

TEST_CASE("int_format: flags, width, precision and lengths") {
  SAME_AS_LIBC("%d|%i|%u", -42, 7, 3000000000u);
  SAME_AS_LIBC("[%5d][%-5d][%05d][%+d][% d]", 42, 42, -42, 42, 42);
  SAME_AS_LIBC("[%.3d][%8.3d][%-8.3x][%.0d]", 7, -7, 0xau, 0);
  SAME_AS_LIBC("[%#x][%#X][%#o][%#o][%o]", 255u, 255u, 8u, 0u, 8u);
  SAME_AS_LIBC("[%*d][%-*d][%.*d]", 6, 1, 6, 2, 4, 3);
  SAME_AS_LIBC("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
  SAME_AS_LIBC("%ld %lu %lld %llu", -5L, 5UL, -9000000000LL, 18000000000000000000ULL);
  SAME_AS_LIBC("%jd %zu %td", std::intmax_t{-1}, std::size_t{12}, std::ptrdiff_t{-3});
  SAME_AS_LIBC("%zd %tx %tu", std::ptrdiff_t{-5}, std::size_t{0xabc}, std::size_t{7});
  SAME_AS_LIBC("[%c][%3c][%-3c]", 'a', 'b', 'c');
  SAME_AS_LIBC("[%s][%8s][%-8s][%.2s]", "abc", "abc", "abc", "abc");
  SAME_AS_LIBC("100%% %d", 1);
  SAME_AS_LIBC("%lld", static_cast<long long>(INT64_MIN));
}

TEST_CASE("int_format: truncation writes what fits and returns the whole length") {
  char out[6] = "xxxxx";
  CHECK(ours(out, sizeof out, "%s-%d", "abcd", 123) == 8);
  CHECK(std::string(out) == "abcd-");
  char none[2] = {'x', 'y'};
  CHECK(ours(none, 0, "%d", 12345) == 5);
  CHECK(none[0] == 'x');  // size 0: nothing written, not even the NUL
  CHECK(ours(none, 1, "%d", 12345) == 5);
  CHECK(none[0] == '\0');
}

TEST_CASE("int_format: a floating conversion is written as its spec and its argument skipped") {
  char out[64];
  CHECK(ours(out, sizeof out, "%d %.3f %d %Lg %s", 1, 2.5, 3, 4.0L, "end") == 16);
  CHECK(std::string(out) == "1 %.3f 3 %Lg end");
  ours(out, sizeof out, "%e|%G|%a|%d", 1.0, 2.0, 3.0, 9);
  CHECK(std::string(out) == "%e|%G|%a|9");
  ours(out, sizeof out, "%s", static_cast<const char*>(nullptr));
  CHECK(std::string(out) == "(null)");
}

}  // namespace test_int_format
