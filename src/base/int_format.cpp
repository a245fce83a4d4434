#include "base/int_format.hpp"

#include <cstdint>

namespace syncore {
namespace {

// Counts every character, stores those that fit with room for the NUL.
struct FormatSink {
  char* out;
  std::size_t size;
  std::size_t length = 0;
  void put(char c) {
    if (length + 1 < size) out[length] = c;
    ++length;
  }
  void repeat(char c, int count) {
    for (; count > 0; --count) put(c);
  }
  void text(const char* s, int n) {
    for (int i = 0; i < n; ++i) put(s[i]);
  }
};

enum class Length { Int, Char, Short, Long, LongLong, IntMax, Size, PtrDiff, LongDouble };

// Each argument read with its own type: va_arg with the wrong width misreads every later one.
std::int64_t signedArg(Length length, std::va_list& args) {
  switch (length) {
    case Length::Char: return static_cast<signed char>(va_arg(args, int));
    case Length::Short: return static_cast<short>(va_arg(args, int));
    case Length::Long: return va_arg(args, long);
    case Length::LongLong: return va_arg(args, long long);
    case Length::IntMax: return va_arg(args, std::intmax_t);
    case Length::Size: return va_arg(args, std::ptrdiff_t);  // %zd: size_t's signed twin (32 bits in wasm)
    case Length::PtrDiff: return va_arg(args, std::ptrdiff_t);
    default: return va_arg(args, int);
  }
}

std::uint64_t unsignedArg(Length length, std::va_list& args) {
  switch (length) {
    case Length::Char: return static_cast<unsigned char>(va_arg(args, unsigned));
    case Length::Short: return static_cast<unsigned short>(va_arg(args, unsigned));
    case Length::Long: return va_arg(args, unsigned long);
    case Length::LongLong: return va_arg(args, unsigned long long);
    case Length::IntMax: return va_arg(args, std::uintmax_t);
    case Length::Size: return va_arg(args, std::size_t);
    case Length::PtrDiff: return va_arg(args, std::size_t);  // %tx: ptrdiff_t's unsigned twin, not sign-extended
    default: return va_arg(args, unsigned);
  }
}

struct Spec {
  bool left = false, zero = false, plus = false, space = false, alt = false;
  int width = 0;
  int precision = -1;  // none
};

void putNumber(FormatSink& sink, const Spec& spec, std::uint64_t magnitude, bool negative, char conversion) {
  const unsigned base = conversion == 'o' ? 8 : (conversion == 'x' || conversion == 'X') ? 16 : 10;
  const char* digitsOf = conversion == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  char digits[24];
  int n = 0;
  for (std::uint64_t v = magnitude; v != 0; v /= base) digits[n++] = digitsOf[v % base];
  // The precision is the least number of digits; "%.0d" of 0 writes none.
  int zeros = spec.precision > n ? spec.precision - n : (spec.precision < 0 && n == 0 ? 1 : 0);
  if (conversion == 'o' && spec.alt && zeros == 0 && (n == 0 || digits[n - 1] != '0')) zeros = 1;
  char prefix[2];
  int prefixLength = 0;
  if (conversion == 'd' || conversion == 'i') {
    if (negative) prefix[prefixLength++] = '-';
    else if (spec.plus) prefix[prefixLength++] = '+';
    else if (spec.space) prefix[prefixLength++] = ' ';
  } else if (spec.alt && magnitude != 0 && base == 16) {
    prefix[prefixLength++] = '0';
    prefix[prefixLength++] = conversion;
  }
  const int body = prefixLength + zeros + n;
  const int fill = spec.width > body ? spec.width - body : 0;
  if (!spec.left && !(spec.zero && spec.precision < 0)) sink.repeat(' ', fill);
  sink.text(prefix, prefixLength);
  if (!spec.left && spec.zero && spec.precision < 0) sink.repeat('0', fill);
  sink.repeat('0', zeros);
  while (n > 0) sink.put(digits[--n]);
  if (spec.left) sink.repeat(' ', fill);
}

bool isFloating(char conversion) {
  switch (conversion | 0x20) {  // either case
    case 'e': case 'f': case 'g': case 'a': return true;
    default: return false;
  }
}

int number(const char*& f) {
  int v = 0;
  while (*f >= '0' && *f <= '9') v = v * 10 + (*f++ - '0');
  return v;
}

}  // namespace

int formatIntegers(char* out, std::size_t size, const char* f, std::va_list args) {
  FormatSink sink{out, size};
  std::va_list ap;
  va_copy(ap, args);
  while (*f != '\0') {
    if (*f != '%') {
      sink.put(*f++);
      continue;
    }
    const char* start = f++;
    Spec spec;
    for (;; ++f) {
      if (*f == '-') spec.left = true;
      else if (*f == '0') spec.zero = true;
      else if (*f == '+') spec.plus = true;
      else if (*f == ' ') spec.space = true;
      else if (*f == '#') spec.alt = true;
      else break;
    }
    if (*f == '*') {
      ++f;
      spec.width = va_arg(ap, int);
      if (spec.width < 0) spec.left = true, spec.width = -spec.width;
    } else {
      spec.width = number(f);
    }
    if (*f == '.') {
      ++f;
      if (*f == '*') {
        ++f;
        spec.precision = va_arg(ap, int);
        if (spec.precision < 0) spec.precision = -1;
      } else {
        spec.precision = number(f);
      }
    }
    Length length = Length::Int;
    if (*f == 'h') length = *++f == 'h' ? (++f, Length::Char) : Length::Short;
    else if (*f == 'l') length = *++f == 'l' ? (++f, Length::LongLong) : Length::Long;
    else if (*f == 'j') ++f, length = Length::IntMax;
    else if (*f == 'z') ++f, length = Length::Size;
    else if (*f == 't') ++f, length = Length::PtrDiff;
    else if (*f == 'L') ++f, length = Length::LongDouble;
    const char conversion = *f;
    if (conversion != '\0') ++f;
    switch (conversion) {
      case '%': sink.put('%'); break;
      case 'd':
      case 'i': {
        const std::int64_t v = signedArg(length, ap);
        putNumber(sink, spec, v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v), v < 0, conversion);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': putNumber(sink, spec, unsignedArg(length, ap), false, conversion); break;
      case 'p': {
        spec.alt = true;
        putNumber(sink, spec, reinterpret_cast<std::uintptr_t>(va_arg(ap, void*)), false, 'x');
        break;
      }
      case 'c': {
        const char c = static_cast<char>(va_arg(ap, int));
        if (!spec.left) sink.repeat(' ', spec.width - 1);
        sink.put(c);
        if (spec.left) sink.repeat(' ', spec.width - 1);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == nullptr) s = "(null)";
        int n = 0;
        while (s[n] != '\0' && (spec.precision < 0 || n < spec.precision)) ++n;
        if (!spec.left) sink.repeat(' ', spec.width - n);
        sink.text(s, n);
        if (spec.left) sink.repeat(' ', spec.width - n);
        break;
      }
      default:  // floating point, %n, or not a conversion: the spec as written, its argument taken
        if (conversion == 'n') static_cast<void>(va_arg(ap, void*));
        else if (length == Length::LongDouble) static_cast<void>(va_arg(ap, long double));
        else if (isFloating(conversion)) static_cast<void>(va_arg(ap, double));
        sink.text(start, static_cast<int>(f - start));
    }
  }
  va_end(ap);
  if (size > 0) out[sink.length < size ? sink.length : size - 1] = '\0';
  return static_cast<int>(sink.length);
}

}  // namespace syncore
