#include "records/canonical_entity_record.hpp"

#include "wire/canonical_text.hpp"
#include "wire/json_reader.hpp"

namespace syncore {

namespace {

// The next member's name (no escapes, no white space: the line is the core's compact text).
bool member(JsonReader& r, std::string_view name, bool first = false) {
  if (!first && !r.eat(',')) return false;
  std::string_view raw;
  if (r.atEnd() || r.peek() != '"' || !r.plainString(raw) || raw != name) return false;
  return r.eat(':');
}

bool plainValue(JsonReader& r, std::string_view& out) { return !r.atEnd() && r.peek() == '"' && r.plainString(out); }

}  // namespace

bool readCanonicalEntityRecord(std::string_view line, int maxDepth, CanonicalEntityRecord& out, std::string& text) {
  JsonReader r(line, maxDepth);
  std::string_view store;
  if (!r.eat('{') || !member(r, "store", true) || !plainValue(r, store) || store != "entities") return false;
  if (!member(r, "key") || !r.eat('[') || !plainValue(r, out.collection) || !r.eat(',') || !plainValue(r, out.id) ||
      !r.eat(']'))
    return false;
  if (!member(r, "canonical") || !r.literal("true", 4)) return false;
  if (!member(r, "value") || !r.eat('{') || !member(r, "data", true)) return false;
  text.clear();
  out.bytes = 0;
  if (!r.atEnd() && r.peek() == '{') {
    CanonicalWriter writer(r, maxDepth);
    if (!writer.object({}, text)) return false;
    out.bytes = writer.approxBytes();
  } else if (!r.literal("null", 4)) {
    return false;
  }
  if (!member(r, "deleted")) return false;
  if (r.literal("true", 4)) out.deleted = true;
  else if (r.literal("false", 5)) out.deleted = false;
  else return false;
  // A live entity has an object; a tombstone may have either.
  if (!out.deleted && out.bytes == 0 && text.empty()) return false;
  if (!member(r, "version") || !r.smallInteger(out.version)) return false;
  if (!r.eat('}') || !r.eat('}')) return false;
  r.skipSpace();
  return r.atEnd();
}

}  // namespace syncore
