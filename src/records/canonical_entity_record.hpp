// A stored entity record the core wrote itself, as the stored-form restore hands it to
// SyncCore::restoreAdd (wasm/stored_restore.cpp):
//   {"store":"entities","key":["<collection>","<id>"],"canonical":true,
//    "value":{"data":<object or null>,"deleted":<bool>,"version":<integer>}}
// read in one pass, its data straight as canonical text (wire/canonical_text.hpp), with no tree
// for the envelope or the data: W5 built, checked and freed both for every entity only to keep
// the data's text. Its own file (not records/restore.cpp): hydrate's per-record code stays at -O2
// when the rest of restore is compiled for size (wasm/flags.cmake).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace syncore {

struct CanonicalEntityRecord {
  std::string_view collection, id;  // into the line (no escapes in either)
  std::int64_t version = 0;
  bool deleted = false;
  std::size_t bytes = 0;            // the data's footprint as the canonical writer reckons it
};

// True when `line` is exactly of that shape (no escape in the collection or id, a version of at
// most 18 digits, data within maxDepth): out is set and `text` holds the data's canonical text
// (empty for a tombstone). False for anything else, `text` unspecified: the caller parses the
// line as any record, so a refusal and its message stay the full parse's.
bool readCanonicalEntityRecord(std::string_view line, int maxDepth, CanonicalEntityRecord& out, std::string& text);

}  // namespace syncore
