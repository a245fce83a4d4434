#include "wire/canonical_text.hpp"

#include <algorithm>

#include "base/json_util.hpp"

namespace syncore {

bool CanonicalWriter::object(std::string_view watchKey, std::string& out) {
  out_ = &out;
  watchKey_ = watchKey;
  members_.clear();
  bytes_ = 0;
  watchFound_ = memberBefore_ = memberAfter_ = false;
  watchBegin_ = watchEnd_ = insertAt_ = 0;
  r_.skipSpace();
  if (r_.atEnd() || r_.peek() != '{') return false;
  return objectAt(1);
}

bool CanonicalWriter::watched(std::string_view& value) const {
  if (!watchFound_) return false;
  value = std::string_view(*out_).substr(watchBegin_, watchEnd_ - watchBegin_);
  return true;
}

bool CanonicalWriter::value(int depth) {
  if (r_.atEnd()) return false;
  std::string& out = *out_;
  switch (r_.peek()) {
    case '{': return objectAt(depth + 1);
    case '[': return array(depth + 1);
    case '"': return string();
    case 't':
      if (!r_.literal("true", 4)) return false;
      out += "true";
      break;
    case 'f':
      if (!r_.literal("false", 5)) return false;
      out += "false";
      break;
    case 'n':
      if (!r_.literal("null", 4)) return false;
      out += "null";
      break;
    default: {
      // The reader's own typing (int64 / uint64 / double, -0, big integers) and dumpJson's own
      // writing of that scalar: the same bytes as the tree by construction, and no allocation.
      json number;
      if (!r_.parseNumber(number)) return false;
      appendJson(out, number);
    }
  }
  bytes_ += sizeof(json);
  return true;
}

bool CanonicalWriter::string() {
  std::string& out = *out_;
  std::string_view raw;
  std::size_t length = 0;
  if (r_.plainString(raw)) {  // no escape: dumpJson writes these very bytes back
    out += '"';
    out.append(raw);
    out += '"';
    length = raw.size();
  } else {
    decoded_.clear();
    if (!r_.parseString(decoded_)) return false;
    appendJsonString(out, decoded_);
    length = decoded_.size();
  }
  bytes_ += sizeof(json) + sizeof(std::string) + stringCapacity(length);
  return true;
}

bool CanonicalWriter::array(int depth) {
  if (depth > maxDepth_ || !r_.eat('[')) return false;
  std::string& out = *out_;
  out += '[';
  bytes_ += sizeof(json) + sizeof(std::vector<json>);
  if (r_.eat(']')) {
    out += ']';
    return true;
  }
  for (;;) {
    r_.skipSpace();
    if (!value(depth)) return false;
    if (r_.eat(',')) {
      out += ',';
      continue;
    }
    if (!r_.eat(']')) return false;
    out += ']';
    return true;
  }
}

bool CanonicalWriter::objectAt(int depth) {
  if (depth > maxDepth_ || !r_.eat('{')) return false;
  std::string& out = *out_;
  out += '{';
  bytes_ += sizeof(json);
  const std::size_t base = members_.size();
  const std::size_t first = out.size();
  if (!r_.eat('}')) {
    for (;;) {
      r_.skipSpace();
      std::string_view key;
      if (r_.atEnd() || r_.peek() != '"' || !r_.plainString(key)) return false;  // escaped keys: the tree's
      if (!r_.eat(':')) return false;
      r_.skipSpace();
      if (members_.size() > base) out += ',';
      const std::size_t begin = out.size();
      out += '"';
      out.append(key);
      out += "\":";
      bytes_ += 48 + sizeof(std::string) + stringCapacity(key.size());
      if (!value(depth)) return false;
      members_.push_back({key, begin, out.size()});
      if (r_.eat(',')) continue;
      if (r_.eat('}')) break;
      return false;
    }
  }
  const auto from = members_.begin() + static_cast<std::ptrdiff_t>(base);
  const auto byKey = [](const Member& a, const Member& b) { return a.key < b.key; };
  // std::string_view's order is std::string's (bytes as unsigned), the order of nlohmann's map.
  if (!std::is_sorted(from, members_.end(), byKey)) {
    std::sort(from, members_.end(), byKey);
    reorder_.assign(out, first, std::string::npos);
    out.resize(first);
    for (auto m = from; m != members_.end(); ++m) {
      if (m != from) out += ',';
      const std::size_t begin = out.size();
      out.append(reorder_, m->begin - first, m->end - m->begin);
      m->begin = begin;
      m->end = out.size();
    }
  }
  // A repeated key: the tree keeps the last value (and approxBytes counts one); left to it.
  if (std::adjacent_find(from, members_.end(), [](const Member& a, const Member& b) { return a.key == b.key; }) !=
      members_.end())
    return false;
  if (depth == 1) {  // the entity object: where its watched member is, or would go
    insertAt_ = out.size();
    memberBefore_ = members_.size() > base;
    for (auto m = from; m != members_.end(); ++m) {
      if (m->key == watchKey_) {
        watchFound_ = true;
        watchBegin_ = m->begin + m->key.size() + 3;  // past "key":
        watchEnd_ = m->end;
        break;
      }
      if (watchKey_ < m->key) {
        insertAt_ = m->begin;
        memberBefore_ = m != from;
        memberAfter_ = true;
        break;
      }
    }
  }
  members_.resize(base);
  out += '}';
  return true;
}

}  // namespace syncore
