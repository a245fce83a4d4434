#include "base/json_util.hpp"

#include "wire/json_reader.hpp"

#include <charconv>
#include <cstring>

#include <algorithm>
#include <limits>

namespace syncore {

namespace {

// One linear scan over the bytes: nesting depth outside strings. Cheaper than a parser callback
// and it stops before nlohmann allocates anything for hostile input.
int maxNesting(std::string_view text, int limit) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '{' || c == '[') {
      if (++depth > limit) return depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return 0;
}

}  // namespace

Status parseJson(std::string_view text, json& out, const ParseLimits& limits) {
  if (text.size() > limits.maxBytes) {
    return Status::error(ErrorCode::TooLarge, "input of " + std::to_string(text.size()) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(limits.maxBytes));
  }
  if (maxNesting(text, limits.maxDepth) > limits.maxDepth) {
    return Status::error(ErrorCode::TooDeep,
                         "nesting deeper than " + std::to_string(limits.maxDepth) + " levels");
  }
  json parsed;
  if (!parseJsonValue(text, parsed)) return Status::error(ErrorCode::BadJson, "input is not valid JSON");
  out = std::move(parsed);
  return Status::ok();
}

// The core's own reader (wire/json_reader.hpp), not nlohmann's parser: it accepts the same texts
// and builds the same values (tests/native/test_json_fast.cpp and the json_parse fuzzer hold it to
// nlohmann's json::parse), and every parse already went through it first (parseJsonFast), so
// nlohmann's lexer, parser and error texts were a second parser in the wasm (~14 KB) for
// refusals and a byte order mark. No depth limit: parseJson counts the nesting before this runs,
// and the other caller reads the store's own text.
bool parseJsonValue(std::string_view text, json& out) {
  // nlohmann's lexer skips a UTF-8 byte order mark at the very start (and only there): so does this.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  JsonReader reader(text, std::numeric_limits<int>::max() / 2);
  return reader.parseDocument(out);
}

int jsonDepth(const json& value, int limit) {
  if (!value.is_structured()) return 0;
  if (limit <= 0) return 1;  // already past the limit: no need to look further
  int deepest = 0;
  for (const json& child : value) {
    deepest = std::max(deepest, jsonDepth(child, limit - 1));
    if (deepest >= limit) break;  // this value is past the limit already
  }
  return deepest + 1;
}

Status checkDataDepth(const json& value, const ParseLimits& limits, const char* what) {
  if (jsonDepth(value, limits.maxDepth) <= limits.maxDepth) return Status::ok();
  return Status::error(ErrorCode::TooDeep, std::string(what) + " nests deeper than " +
                                               std::to_string(limits.maxDepth) + " levels");
}

namespace {

// One UTF-8 sequence at p (a byte >= 0x80) of at most `left` bytes: its length, or 0 if invalid
// (the RFC 3629 ranges nlohmann's serializer checks).
std::size_t utf8Length(const unsigned char* p, std::size_t left) {
  const auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  const unsigned char c = p[0];
  if (in(c, 0xC2, 0xDF)) return left >= 2 && in(p[1], 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return left >= 3 && in(p[1], 0xA0, 0xBF) && in(p[2], 0x80, 0xBF) ? 3 : 0;
  if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) return left >= 3 && in(p[1], 0x80, 0xBF) && in(p[2], 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return left >= 3 && in(p[1], 0x80, 0x9F) && in(p[2], 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return left >= 4 && in(p[1], 0x90, 0xBF) && in(p[2], 0x80, 0xBF) && in(p[3], 0x80, 0xBF) ? 4 : 0;
  if (in(c, 0xF1, 0xF3)) return left >= 4 && in(p[1], 0x80, 0xBF) && in(p[2], 0x80, 0xBF) && in(p[3], 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return left >= 4 && in(p[1], 0x80, 0x8F) && in(p[2], 0x80, 0xBF) && in(p[3], 0x80, 0xBF) ? 4 : 0;
  return 0;
}

// nlohmann's own output for what the fast writer leaves to it (floats, invalid UTF-8, binary).
void appendNlohmann(std::string& out, const json& value) {
  out += value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Whether any of the 8 bytes in v needs a look of its own: a control byte (< 0x20), '"', '\\' or a
// byte of a multi-byte UTF-8 sequence (>= 0x80). Exact about "any" (the bit tricks of "haszero" and
// "hasless": no byte that needs a look is missed), so runs of plain text are skipped 8 bytes at a
// time: the byte-by-byte scan was the largest part of writing a 1 KB text field (W4's seal).
bool anySpecial(std::uint64_t v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const auto hasZero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const std::uint64_t below = (v - kOnes * 0x20) & ~v & kHigh;
  return (below | hasZero(v ^ (kOnes * '"')) | hasZero(v ^ (kOnes * '\\')) | (v & kHigh)) != 0;
}

void appendString(std::string& out, std::string_view s) {
  static const char* const kHex = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  const std::size_t start = out.size();
  out += '"';
  std::size_t run = 0;  // the start of the bytes not yet copied
  for (std::size_t i = 0; i < n;) {
    for (std::uint64_t word; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, 8);  // an unaligned load, as the compiler makes it
      if (anySpecial(word)) break;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c >= 0x80) {
      const std::size_t len = utf8Length(p + i, n - i);
      if (len == 0) {  // invalid UTF-8: nlohmann replaces it; leave the whole string to it
        out.resize(start);
        appendNlohmann(out, json(std::string(s)));
        return;
      }
      i += len;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    run = ++i;
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) { appendString(out, s); }

// The same bytes as nlohmann's dump(-1, ' ', false, replace), written straight into `out`: runs of
// plain bytes are copied at once (nlohmann's serializer escapes one character at a time) and
// integers are formatted without a locale-aware stream.
void appendJson(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ',';
        first = false;
        appendString(out, it.key());
        out += ':';
        appendJson(out, it.value());
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const json& item : value) {
        if (!first) out += ',';
        first = false;
        appendJson(out, item);
      }
      out += ']';
      return;
    }
    case json::value_t::string: appendString(out, value.get_ref<const std::string&>()); return;
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case json::value_t::null: out += "null"; return;
    case json::value_t::number_integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, value.get<std::int64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case json::value_t::number_unsigned: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, value.get<std::uint64_t>());
      out.append(buf, r.ptr);
      return;
    }
    default: appendNlohmann(out, value); return;  // floats (nlohmann's shortest form), binary, discarded
  }
}

std::string dumpJson(const json& value) {
  std::string out;
  appendJson(out, value);
  return out;
}

FieldPath splitPath(std::string_view dotted) {
  FieldPath parts;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    parts.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

const json* lookupPath(const json& root, const FieldPath& path) {
  const json* node = &root;
  for (const std::string& key : path) {
    if (node->is_object()) {
      auto it = node->find(key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (key.empty() || key.size() > 9) return nullptr;
      std::size_t index = 0;
      for (char c : key) {
        if (c < '0' || c > '9') return nullptr;
        index = index * 10 + static_cast<std::size_t>(c - '0');
      }
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

bool idFromJson(const json& value, std::string& out) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.empty()) return false;
    out = s;
    return true;
  }
  if (value.is_number_unsigned()) {
    out = std::to_string(value.get<std::uint64_t>());
    return true;
  }
  if (value.is_number_integer()) {
    out = std::to_string(value.get<std::int64_t>());
    return true;
  }
  return false;
}

bool int64FromJson(const json& value, std::int64_t& out) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out = static_cast<std::int64_t>(u);
    return true;
  }
  if (value.is_number_integer()) {
    out = value.get<std::int64_t>();
    return true;
  }
  return false;
}

std::size_t approxBytes(const json& value) {
  std::size_t total = sizeof(json);
  switch (value.type()) {
    case json::value_t::object:
      // std::map node: key string + value + red-black tree links.
      for (auto it = value.begin(); it != value.end(); ++it) {
        total += 48 + sizeof(std::string) + it.key().capacity() + approxBytes(it.value());
      }
      break;
    case json::value_t::array:
      total += sizeof(std::vector<json>);
      for (const auto& item : value) total += approxBytes(item);
      break;
    case json::value_t::string:
      total += sizeof(std::string) + value.get_ref<const std::string&>().capacity();
      break;
    default:
      break;
  }
  return total;
}

}  // namespace syncore
