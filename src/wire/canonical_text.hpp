// An entity object read from a batch's text and written straight as its canonical text (issue 15,
// server batches without a tree per entity): the exact bytes dumpJson writes for the tree the
// boundary's reader (wire/json_reader.hpp) would build from the same text, i.e. keys in the order
// of nlohmann's object map, no white space, strings and numbers as dumpJson writes them.
//
// What it cannot write exactly and cheaply (a repeated key, an escaped key, nesting past the
// limit, invalid JSON) it leaves to the tree: the caller rewinds and parses the value as before,
// so the tree path's answer, and its errors, stay the reference.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wire/json_reader.hpp"

namespace syncore {

class CanonicalWriter {
 public:
  // maxDepth: how deep the object may nest ({} is one level), as checkDataDepth counts.
  CanonicalWriter(JsonReader& reader, int maxDepth) : r_(reader), maxDepth_(maxDepth) {}

  // The object at the reader (on its '{') appended to out as canonical text, the reader past it.
  // False when it leaves the object to the tree: out and the reader are then unspecified.
  // watchKey: a top-level member whose value the caller reads (the entity's id field).
  bool object(std::string_view watchKey, std::string& out);

  // After a true object(): the watched member's value as canonical text, if the object has it.
  bool watched(std::string_view& value) const;
  // Where a member named watchKey goes in out when the object lacks it (keys stay sorted), and
  // whether a member comes before / after that place (the commas to write).
  std::size_t insertAt() const { return insertAt_; }
  bool memberBefore() const { return memberBefore_; }
  bool memberAfter() const { return memberAfter_; }
  // Rough heap footprint of the tree the text stands for (approxBytes' reckoning, string
  // capacities estimated): the collection's stats.
  std::size_t approxBytes() const { return bytes_; }
  // The capacity a parsed string of n bytes mostly ends up with (libstdc++: 15 in place, else at
  // least twice that): approxBytes' figure for it, near enough for the stats it feeds.
  static std::size_t stringCapacity(std::size_t n) { return n <= 15 ? 15 : (n < 30 ? 30 : n); }

 private:
  struct Member {
    std::string_view key;    // raw bytes: keys with escapes are left to the tree
    std::size_t begin, end;  // "key":value in the output (pos())
  };
  bool value(int depth);
  bool objectAt(int depth);
  bool array(int depth);
  bool string();
  bool number();
  void reorder(std::vector<Member>::iterator from, std::size_t first);

  // The text is written in runs: the input bytes from run_ to the reader are already canonical
  // (no white space, a string without escapes, an integer the tree writes back the same, keys in
  // order) and are appended at once when the output must differ from the input (flush); a
  // compact, sorted entity is one append. pos(): where the reader's byte lands in the output.
  std::size_t pos() const { return out_->size() + static_cast<std::size_t>(r_.position() - run_); }
  void flushTo(const char* end) {
    out_->append(run_, static_cast<std::size_t>(end - run_));
    run_ = end;
  }
  // White space at the reader is left out of the output: the run ends before it.
  void space() {
    if (r_.atEnd() || !JsonReader::isSpace(r_.peek())) return;
    flushTo(r_.position());
    r_.skipSpace();
    run_ = r_.position();
  }
  // c at the reader (after white space), kept in the run.
  bool take(char c) {
    space();
    if (r_.atEnd() || r_.peek() != c) return false;
    r_.rewind(r_.position() + 1);
    return true;
  }

  JsonReader& r_;
  int maxDepth_;
  std::string* out_ = nullptr;
  const char* run_ = nullptr;
  std::string_view watchKey_;
  std::vector<Member> members_;  // a stack: each open object's members from its own base
  std::string reorder_;          // an object's members while they are put in key order
  std::string decoded_;          // a string with escapes, decoded
  std::size_t watchBegin_ = 0, watchEnd_ = 0, insertAt_ = 0;
  bool watchFound_ = false, memberBefore_ = false, memberAfter_ = false;
  std::size_t bytes_ = 0;
};

}  // namespace syncore
