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
  run_ = r_.position();
  if (r_.atEnd() || r_.peek() != '{' || !objectAt(1)) return false;
  flushTo(r_.position());
  return true;
}

bool CanonicalWriter::watched(std::string_view& value) const {
  if (!watchFound_) return false;
  value = std::string_view(*out_).substr(watchBegin_, watchEnd_ - watchBegin_);
  return true;
}

bool CanonicalWriter::value(int depth) {
  if (r_.atEnd()) return false;
  switch (r_.peek()) {
    case '{': return objectAt(depth + 1);
    case '[': return array(depth + 1);
    case '"': return string();
    case 't':
      if (!r_.literal("true", 4)) return false;
      break;
    case 'f':
      if (!r_.literal("false", 5)) return false;
      break;
    case 'n':
      if (!r_.literal("null", 4)) return false;
      break;
    default:
      if (!number()) return false;
  }
  bytes_ += sizeof(json);
  return true;
}

bool CanonicalWriter::number() {
  const char* start = r_.position();
  std::int64_t small = 0;
  // An integer of up to 18 digits is written back digit for digit (but -0, which is 0).
  if (r_.smallInteger(small) && !(small == 0 && *start == '-')) return true;
  r_.rewind(start);
  // The reader's own typing (int64 / uint64 / double, -0, big integers) and dumpJson's own
  // writing of that scalar: the same bytes as the tree by construction.
  json number;
  if (!r_.parseNumber(number)) return false;
  flushTo(start);
  appendJson(*out_, number);
  run_ = r_.position();
  return true;
}

bool CanonicalWriter::string() {
  const char* start = r_.position();
  std::string_view raw;
  std::size_t length = 0;
  if (r_.plainString(raw)) {  // no escape: dumpJson writes these very bytes back
    length = raw.size();
  } else {
    decoded_.clear();
    if (!r_.parseString(decoded_)) return false;
    flushTo(start);
    appendJsonString(*out_, decoded_);
    run_ = r_.position();
    length = decoded_.size();
  }
  bytes_ += sizeof(json) + sizeof(std::string) + stringCapacity(length);
  return true;
}

bool CanonicalWriter::array(int depth) {
  if (depth > maxDepth_ || !take('[')) return false;
  bytes_ += sizeof(json) + sizeof(std::vector<json>);
  if (take(']')) return true;
  for (;;) {
    space();
    if (!value(depth)) return false;
    if (take(',')) continue;
    return take(']');
  }
}

// The members from `from` on (sorted now), written again in that order from output position
// `first` (the object's first member). While none of the object is in the output yet (no white
// space or escape in it: the run holds it all), they are copied from the input directly.
void CanonicalWriter::reorder(std::vector<Member>::iterator from, std::size_t first) {
  std::string& out = *out_;
  const char* source = nullptr;  // where position `first` is: in the input, or in reorder_
  if (out.size() <= first) {
    source = run_ + (first - out.size());
    flushTo(source);
  } else {
    flushTo(r_.position());
    reorder_.assign(out, first, std::string::npos);
    out.resize(first);
    source = reorder_.data();
  }
  for (auto m = from; m != members_.end(); ++m) {
    if (m != from) out += ',';
    const std::size_t begin = out.size();
    out.append(source + (m->begin - first), m->end - m->begin);
    m->begin = begin;
    m->end = out.size();
  }
  run_ = r_.position();  // on the object's '}'
}

bool CanonicalWriter::objectAt(int depth) {
  if (depth > maxDepth_ || !take('{')) return false;
  bytes_ += sizeof(json);
  const std::size_t base = members_.size();
  const std::size_t first = pos();
  if (!take('}')) {
    for (;;) {
      space();
      const std::size_t begin = pos();
      std::string_view key;
      if (r_.atEnd() || r_.peek() != '"' || !r_.plainString(key)) return false;  // escaped keys: the tree's
      if (!take(':')) return false;
      space();
      bytes_ += 48 + sizeof(std::string) + stringCapacity(key.size());
      if (!value(depth)) return false;
      members_.push_back({key, begin, pos()});
      if (take(',')) continue;
      space();
      if (r_.atEnd() || r_.peek() != '}') return false;
      break;  // the reader on the '}', taken below
    }
    const auto from = members_.begin() + static_cast<std::ptrdiff_t>(base);
    // std::string_view's order is std::string's (bytes as unsigned), the order of nlohmann's map;
    // keys mostly differ in their first byte, compared in place before the library's compare.
    const auto byKey = [](const Member& a, const Member& b) {
      if (!a.key.empty() && !b.key.empty() && a.key[0] != b.key[0])
        return static_cast<unsigned char>(a.key[0]) < static_cast<unsigned char>(b.key[0]);
      return a.key < b.key;
    };
    if (!std::is_sorted(from, members_.end(), byKey)) {
      std::sort(from, members_.end(), byKey);
      reorder(from, first);
    }
    // A repeated key: the tree keeps the last value (and approxBytes counts one); left to it.
    if (std::adjacent_find(from, members_.end(), [](const Member& a, const Member& b) {
          return a.key.size() == b.key.size() && a.key == b.key;
        }) != members_.end())
      return false;
    r_.rewind(r_.position() + 1);  // '}'
  }
  if (depth == 1) {  // the entity object: where its watched member is, or would go
    const auto from = members_.begin() + static_cast<std::ptrdiff_t>(base);
    insertAt_ = pos() - 1;  // before its '}'
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
  return true;
}

}  // namespace syncore
