#include "base/decimal_text.hpp"

namespace syncore {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::size_t decimalNumberLength(const char* text) {
  const char* p = text;
  if (*p == '+' || *p == '-') ++p;
  const char* digits = p;
  while (isDigit(*p)) ++p;
  bool any = p != digits;
  if (*p == '.') {
    const char* fraction = ++p;
    while (isDigit(*p)) ++p;
    any = any || p != fraction;
  }
  if (!any) return 0;
  if (*p == 'e' || *p == 'E') {
    const char* q = p + 1;
    if (*q == '+' || *q == '-') ++q;
    if (isDigit(*q)) {
      while (isDigit(*q)) ++q;
      p = q;
    }
  }
  return static_cast<std::size_t>(p - text);
}

bool decimalHasNonzeroDigit(const char* text, std::size_t length) {
  for (std::size_t i = 0; i < length && text[i] != 'e' && text[i] != 'E'; ++i)
    if (text[i] >= '1' && text[i] <= '9') return true;
  return false;
}

}  // namespace syncore
