// The boundary's JSON reader: a recursive-descent parser that builds the same json value as
// nlohmann's, but copies runs of plain string bytes at once (nlohmann's lexer appends one
// character at a time, ~70 instructions each). parseJsonFast reads whole documents with it;
// wire/server_batch_text.cpp reads a server batch's operations with it field by field.
// Anything it does not accept is left to parseJson by its callers, so errors are parseJson's.
#pragma once
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "base/json_util.hpp"

namespace syncore {

class JsonReader {
 public:
  JsonReader(std::string_view text, int maxDepth) : p_(text.data()), end_(text.data() + text.size()), maxDepth_(maxDepth) {}

  // False on anything but one valid JSON value surrounded by whitespace.
  bool parseDocument(json& out) {
    skipSpace();
    if (!parseValue(out, 0)) return false;
    skipSpace();
    return p_ == end_;
  }

  // A pull interface for readers of one known document shape (wire/server_batch_text.cpp): they
  // walk the punctuation themselves and hand each value to parseValue.
  bool atEnd() const { return p_ >= end_; }
  char peek() const { return *p_; }  // !atEnd()
  // Skips white space, then takes c if it comes next.
  bool eat(char c) {
    if (p_ < end_ && *p_ == c) return ++p_, true;  // compact text: no white space to skip
    skipSpace();
    if (p_ >= end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  static bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
  int maxDepth() const { return maxDepth_; }
  // Where the reader is, and back there: wire/canonical_text.cpp tries a value its way first and
  // rewinds to parse it as a tree when it leaves the value to the tree.
  const char* position() const { return p_; }
  const char* end() const { return end_; }
  void rewind(const char* p) { p_ = p; }
  // A string without escapes at the reader (on its opening quote): its raw bytes (valid UTF-8, no
  // control character: exactly what dumpJson writes back for it), the reader past it. False with
  // the reader unmoved for any other string: parseString decides about it.
  bool plainString(std::string_view& raw) {
    // Plain ASCII skipped eight bytes at a time; the loop below takes it from the first other byte.
    const char* q = skipPlainAscii(p_ + 1, end_);
    while (q < end_) {
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == '"') {
        raw = std::string_view(p_ + 1, static_cast<std::size_t>(q - p_ - 1));
        p_ = q + 1;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      if (c < 0x80) {
        ++q;
        continue;
      }
      const char* at = p_;
      p_ = q;
      const bool valid = utf8Sequence();
      q = p_;
      p_ = at;
      if (!valid) return false;
    }
    return false;
  }

 private:
  const char* p_;
  const char* end_;
  int maxDepth_;

  // The bytes of w (in memory order) that are '"', '\\', below 0x20 or past 0x7F, as their high
  // bits; exact from the lowest one up, which is all plainString reads (borrows only run upward).
  static std::uint64_t notPlainAscii(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const auto zeroByte = [&](std::uint64_t x) { return (x - ones) & ~x & highs; };
    return (w & highs) | ((w - 0x20 * ones) & ~w & highs) | zeroByte(w ^ (0x22 * ones)) | zeroByte(w ^ (0x5C * ones));
  }
  // Which byte (in memory order: x86 and wasm load little-endian) the lowest high bit marks;
  // bits != 0.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "plainString reads 8 bytes as a little-endian word");
  static std::size_t lowestByte(std::uint64_t bits) { return static_cast<std::size_t>(__builtin_ctzll(bits)) / 8; }
  // q moved past the plain ASCII bytes before end, eight at a time: to the first '"', '\\',
  // control character or byte past ASCII, or to within eight bytes of end (the caller's byte loop
  // goes on from there).
  static const char* skipPlainAscii(const char* q, const char* end) {
    while (end - q >= 8) {
      std::uint64_t w;
      std::memcpy(&w, q, 8);
      const std::uint64_t special = notPlainAscii(w);
      if (special != 0) return q + lowestByte(special);
      q += 8;
    }
    return q;
  }

 public:

  void skipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(const char* word, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n || std::string_view(p_, n) != std::string_view(word, n)) return false;
    p_ += n;
    return true;
  }

  bool parseValue(json& out, int depth) {
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{': return parseObject(out, depth + 1);
      case '[': return parseArray(out, depth + 1);
      case '"': {
        std::string s;
        if (!parseString(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': if (!literal("true", 4)) return false; out = true; return true;
      case 'f': if (!literal("false", 5)) return false; out = false; return true;
      case 'n': if (!literal("null", 4)) return false; out = nullptr; return true;
      default: return parseNumber(out);
    }
  }

  bool parseObject(json& out, int depth) {
    if (depth > maxDepth_) return false;
    ++p_;  // '{'
    out = json::object();
    skipSpace();
    if (p_ < end_ && *p_ == '}') return ++p_, true;
    for (;;) {
      if (p_ >= end_ || *p_ != '"') return false;
      std::string key;
      if (!parseString(key)) return false;
      skipSpace();
      if (p_ >= end_ || *p_ != ':') return false;
      ++p_;
      skipSpace();
      // Keys in ascending order (the store's canonical text, dumpJson's output) go in at the end
      // with one comparison instead of a search of the map; any other order, or a repeated key
      // (the last value wins, as in nlohmann), takes the map's own way.
      auto& fields = out.get_ref<json::object_t&>();
      json& slot = !fields.empty() && !(fields.rbegin()->first < key) ? fields[std::move(key)]
                                                                     : fields.emplace_hint(fields.end(), std::move(key), nullptr)->second;
      if (!parseValue(slot, depth)) return false;
      skipSpace();
      if (p_ >= end_) return false;
      if (*p_ == ',') {
        ++p_;
        skipSpace();
        continue;
      }
      if (*p_ == '}') return ++p_, true;
      return false;
    }
  }

  bool parseArray(json& out, int depth) {
    if (depth > maxDepth_) return false;
    ++p_;  // '['
    out = json::array();
    skipSpace();
    if (p_ < end_ && *p_ == ']') return ++p_, true;
    for (;;) {
      out.push_back(json());
      if (!parseValue(out.back(), depth)) return false;
      skipSpace();
      if (p_ >= end_) return false;
      if (*p_ == ',') {
        ++p_;
        skipSpace();
        continue;
      }
      if (*p_ == ']') return ++p_, true;
      return false;
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(unsigned& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(p_[i]);
      if (h < 0) return false;
      out = out * 16 + static_cast<unsigned>(h);
    }
    p_ += 4;
    return true;
  }

  static void appendUtf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // One UTF-8 sequence starting at p_ (a byte >= 0x80), RFC 3629 ranges as nlohmann checks them.
  bool utf8Sequence() {
    const auto b = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
    const unsigned char c = b(0);
    std::ptrdiff_t n = 0;
    bool ok = false;
    if (in(c, 0xC2, 0xDF)) n = 2, ok = end_ - p_ >= 2 && in(b(1), 0x80, 0xBF);
    else if (c == 0xE0) n = 3, ok = end_ - p_ >= 3 && in(b(1), 0xA0, 0xBF) && in(b(2), 0x80, 0xBF);
    else if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) n = 3, ok = end_ - p_ >= 3 && in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF);
    else if (c == 0xED) n = 3, ok = end_ - p_ >= 3 && in(b(1), 0x80, 0x9F) && in(b(2), 0x80, 0xBF);
    else if (c == 0xF0) n = 4, ok = end_ - p_ >= 4 && in(b(1), 0x90, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF);
    else if (in(c, 0xF1, 0xF3)) n = 4, ok = end_ - p_ >= 4 && in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF);
    else if (c == 0xF4) n = 4, ok = end_ - p_ >= 4 && in(b(1), 0x80, 0x8F) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF);
    if (!ok) return false;
    p_ += n;
    return true;
  }

  bool parseString(std::string& s) {
    ++p_;  // '"'
    for (;;) {
      // The fast path: a run of printable ASCII and valid UTF-8, appended at once; plain ASCII
      // eight bytes at a time (a 1 KB note was ~15 instructions a byte one by one, W4).
      const char* run = p_;
      p_ = skipPlainAscii(p_, end_);
      while (p_ < end_) {
        const unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20) break;
        if (c < 0x80) ++p_;
        else if (!utf8Sequence()) return false;
      }
      s.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ >= end_) return false;
      const char c = *p_++;
      if (c == '"') return true;
      if (c != '\\') return false;  // an unescaped control character
      if (p_ >= end_) return false;
      switch (*p_++) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
            unsigned low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          appendUtf8(s, cp);
          break;
        }
        default: return false;
      }
    }
  }

  // An integer of at most 18 digits at the reader (no fraction, no exponent: it fits int64 as
  // parseNumber would type it), the reader past it. False with the reader unmoved for any other
  // number or text: parseNumber decides about it.
  bool smallInteger(std::int64_t& out) {
    const char* q = p_;
    const bool negative = q < end_ && *q == '-';
    if (negative) ++q;
    const char* digits = q;
    if (q < end_ && *q == '0') ++q;
    else while (q < end_ && *q >= '0' && *q <= '9') ++q;
    if (q == digits || q - digits > 18) return false;
    if (q < end_ && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9'))) return false;
    std::int64_t v = 0;
    for (const char* d = digits; d < q; ++d) v = v * 10 + (*d - '0');
    out = negative ? -v : v;
    p_ = q;
    return true;
  }

  // JSON number grammar; integers as int64 (negative) / uint64, else or on overflow a double,
  // the way nlohmann's lexer decides.
  bool parseNumber(json& out) {
    const char* start = p_;
    bool negative = false;
    if (p_ < end_ && *p_ == '-') negative = true, ++p_;
    if (p_ >= end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (integer && p_ - start - (negative ? 1 : 0) <= 18) {  // fits: no strtoll, no copy
      std::uint64_t v = 0;
      for (const char* q = start + (negative ? 1 : 0); q < p_; ++q) v = v * 10 + static_cast<std::uint64_t>(*q - '0');
      if (negative) out = -static_cast<std::int64_t>(v);
      else out = v;
      return true;
    }
    const std::string token(start, p_);
    if (integer) {
      errno = 0;
      char* tail = nullptr;
      if (negative) {
        const long long v = std::strtoll(token.c_str(), &tail, 10);
        if (errno == 0 && tail == token.c_str() + token.size()) return out = static_cast<std::int64_t>(v), true;
      } else {
        const unsigned long long v = std::strtoull(token.c_str(), &tail, 10);
        if (errno == 0 && tail == token.c_str() + token.size()) return out = static_cast<std::uint64_t>(v), true;
      }
    }
    char* tail = nullptr;
    const double d = std::strtod(token.c_str(), &tail);
    if (tail != token.c_str() + token.size() || !std::isfinite(d)) return false;  // nlohmann: overflow
    out = d;
    return true;
  }
};

}  // namespace syncore
