#include "store/stored_json.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>

#include "wire/json_reader.hpp"

namespace syncore {

namespace {

// The text is the core's own output, so its nesting was accepted once already: no depth limit here
// (a limit could only refuse an entity the store already holds).
constexpr int kNoLimit = INT_MAX / 2;

// Past one string starting at p (on its opening quote): the position after the closing quote.
// memchr finds each quote (a 10 KB body is skipped at memchr's speed, not a byte per turn); a
// quote after an odd run of backslashes is escaped, and the run never reaches past the opening
// quote.
const char* skipString(const char* p, const char* end) {
  for (const char* from = p + 1; from < end;) {
    const char* quote = static_cast<const char*>(std::memchr(from, '"', static_cast<std::size_t>(end - from)));
    if (quote == nullptr) return end;
    std::size_t slashes = 0;
    for (const char* b = quote - 1; *b == '\\'; --b) ++slashes;
    if (slashes % 2 == 0) return quote + 1;
    from = quote + 1;
  }
  return end;
}

// Past one value starting at p (canonical text: no white space).
const char* skipValue(const char* p, const char* end) {
  if (p >= end) return end;
  if (*p == '"') return skipString(p, end);
  if (*p == '{' || *p == '[') {
    int depth = 0;
    while (p < end) {
      const char c = *p;
      if (c == '"') {
        p = skipString(p, end);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      else if ((c == '}' || c == ']') && --depth == 0) return p + 1;
      ++p;
    }
    return end;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']') ++p;  // a number or a literal
  return p;
}

}  // namespace

std::string storedText(const json& value) {
  static std::string scratch;  // written into, then copied out at its size; its capacity is reused
  scratch.clear();
  appendJson(scratch, value);
  std::string text(scratch);
  if (scratch.capacity() > (std::size_t{1} << 20)) std::string().swap(scratch);  // a huge entity's buffer is not kept
  return text;
}

json treeFromStored(std::string_view text) {
  json out;
  JsonReader reader(text, kNoLimit);
  if (reader.parseDocument(out)) return out;
  // Not expected (the text is dumpJson's): nlohmann's parser as the last word, through the one
  // entry the rest of the core uses (a direct json::parse is a second copy of the parser in the wasm).
  json parsed;
  return parseJsonValue(text, parsed) ? parsed : json(nullptr);
}

json fieldsFromStored(std::string_view text, const std::vector<std::string>& names) {
  json out = json::object();
  fieldsFromStored(text, names, out);
  return out;
}

void fieldsFromStored(std::string_view text, const std::vector<std::string>& names, json& out) {
  if (!out.is_object() || names.size() > 64) out = json::object();
  std::uint64_t found = 0;  // bit i: names[i] was read into out
  const char* p = text.data();
  const char* end = p + text.size();
  if (p >= end || *p != '{' || names.size() > 64) {
    out = treeFromStored(text);  // not expected: the store holds objects
    return;
  }
  const std::uint64_t all = names.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << names.size()) - 1;
  ++p;
  std::string key;
  while (p < end && *p == '"' && found != all) {
    const char* keyEnd = skipString(p, end);
    std::string_view raw(p + 1, static_cast<std::size_t>(keyEnd - p - 2));
    const bool plain = raw.find('\\') == std::string_view::npos;
    if (plain && std::none_of(names.begin(), names.end(), [&](const std::string& n) { return n == raw; })) {
      p = skipValue(keyEnd + 1, end);  // not asked for: skipped without copying its key
      if (p < end && *p == ',') ++p;
      continue;
    }
    if (plain) {
      key.assign(raw);
    } else {
      JsonReader keyReader(std::string_view(p, static_cast<std::size_t>(keyEnd - p)), kNoLimit);
      json k;
      if (!keyReader.parseDocument(k) || !k.is_string()) {
        out = treeFromStored(text);
        return;
      }
      key = k.get_ref<const std::string&>();
    }
    p = keyEnd + 1;  // past ':'
    const char* valueEnd = skipValue(p, end);
    bool wanted = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] != key) continue;
      found |= std::uint64_t{1} << i;  // every copy of a name listed twice
      wanted = true;
    }
    if (wanted) {
      JsonReader valueReader(std::string_view(p, static_cast<std::size_t>(valueEnd - p)), kNoLimit);
      // The slot keeps its map node from the last entity read into out: no allocation for it.
      if (!valueReader.parseDocument(out[key])) {
        out = treeFromStored(text);
        return;
      }
    }
    p = valueEnd;
    if (p < end && *p == ',') ++p;
  }
  // A field this entity lacks must be missing, not left from the last entity.
  for (std::size_t i = 0; i < names.size(); ++i)
    if ((found >> i & 1) == 0) out.erase(names[i]);
}

bool readStoredFields(std::string_view text, const std::vector<std::string>& names, json* out) {
  for (std::size_t i = 0; i < names.size(); ++i) out[i] = json(json::value_t::discarded);
  const char* p = text.data();
  const char* end = p + text.size();
  if (p >= end || *p != '{') return false;
  ++p;
  std::size_t left = names.size();
  while (p < end && *p == '"' && left > 0) {
    const char* keyEnd = skipString(p, end);
    if (keyEnd >= end || *keyEnd != ':') return false;
    const std::string_view raw(p + 1, static_cast<std::size_t>(keyEnd - p - 2));
    if (raw.find('\\') != std::string_view::npos) return false;
    const char* value = keyEnd + 1;
    const char* valueEnd = skipValue(value, end);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!out[i].is_discarded() || names[i] != raw) continue;
      JsonReader reader(std::string_view(value, static_cast<std::size_t>(valueEnd - value)), kNoLimit);
      if (!reader.parseDocument(out[i])) return false;
      --left;
    }
    p = valueEnd;
    if (p < end && *p == ',') ++p;
  }
  return true;
}

namespace {

// A key written as it is between quotes (nothing escaped or replaced), whose bytes order it as
// nlohmann's object map does: printable ASCII only.
bool plainKey(std::string_view key) {
  for (char c : key)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  return true;
}

// Two values' canonical texts (dumpJson's bytes) compared as json == compares their trees,
// where the bytes alone tell: the same bytes are the same value, and a string, true, false or
// null, or two integers (whose canonical text is unique), differ when their bytes do. A float
// or an array may equal another text (1.0 == 1, [1.0] == [1]): Unsure, for the tree to tell;
// so may an integer past int64's range (nlohmann compares 2^64-1 with -1 as int64: equal).
enum class Canonical { Same, Differ, Unsure };
bool integerText(std::string_view t) {
  if (!t.empty() && t.front() == '-') t.remove_prefix(1);
  if (t.empty() || t.size() > 18) return false;  // 18 digits: within int64 either sign
  for (char c : t)
    if (c < '0' || c > '9') return false;
  return true;
}
bool notNumberText(std::string_view t) {
  return !t.empty() && (t.front() == '"' || t.front() == 't' || t.front() == 'f' || t.front() == 'n');
}
Canonical compareCanonical(std::string_view a, std::string_view b) {
  if (a == b) return Canonical::Same;
  if (notNumberText(a) || notNumberText(b) || (integerText(a) && integerText(b))) return Canonical::Differ;
  return Canonical::Unsure;
}

}  // namespace

bool patchStoredText(std::string_view text, const json& patch, std::string& out, bool* changes) {
  if (!patch.is_object() || text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  const auto& fields = patch.get_ref<const json::object_t&>();
  for (const auto& [key, value] : fields)
    if (value.is_object() || !plainKey(key)) return false;
  out.reserve(out.size() + text.size() + 16 * fields.size());
  out += '{';
  bool first = true;
  const auto comma = [&] {
    if (!first) out += ',';
    first = false;
  };
  bool changed = false;
  // A set field written as appendJson writes it; a removal writes nothing.
  const auto set = [&](const std::string& key, const json& value) {
    if (value.is_null()) return;
    comma();
    out += '"';
    out += key;
    out += "\":";
    appendJson(out, value);
  };
  // A field the object lacks: a change when it is set, none when it is removed.
  const auto add = [&](const std::string& key, const json& value) {
    changed = changed || !value.is_null();
    set(key, value);
  };
  // Both in key order (the text is canonical, the patch a std::map): one merge of two sorted runs.
  auto next = fields.begin();
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size() - 1;  // at the closing brace
  while (p < end) {
    if (*p != '"') return false;
    const char* keyEnd = skipString(p, end);
    if (keyEnd >= end || *keyEnd != ':') return false;
    const std::string_view key(p + 1, static_cast<std::size_t>(keyEnd - p - 2));
    if (key.find('\\') != std::string_view::npos) return false;
    const char* valueEnd = skipValue(keyEnd + 1, end);
    for (; next != fields.end() && std::string_view(next->first) < key; ++next) add(next->first, next->second);
    if (next != fields.end() && next->first == key) {
      if (next->second.is_null()) {
        changed = true;  // a removal of a member it has
        ++next;
      } else {
        comma();
        out += '"';
        out += next->first;
        out += "\":";
        const std::size_t written = out.size();
        appendJson(out, next->second);
        if (changes != nullptr && !changed) {
          const std::string_view held(keyEnd + 1, static_cast<std::size_t>(valueEnd - keyEnd - 1));
          switch (compareCanonical(held, std::string_view(out).substr(written))) {
            case Canonical::Same: break;
            case Canonical::Differ: changed = true; break;
            case Canonical::Unsure: {
              // The member as the tree path's tree holds it, compared as that path compares.
              json tree;
              JsonReader reader(held, kNoLimit);
              if (!reader.parseDocument(tree)) return false;
              changed = tree != next->second;
            }
          }
        }
        ++next;
      }
    } else {
      comma();
      out.append(p, static_cast<std::size_t>(valueEnd - p));
    }
    p = valueEnd;
    if (p < end && (*p++ != ',' || p == end)) return false;
  }
  for (; next != fields.end(); ++next) add(next->first, next->second);
  out += '}';
  if (changes != nullptr) *changes = changed;
  return true;
}

}  // namespace syncore
