#include "wire/mutation_request_text.hpp"

#include "wire/json_reader.hpp"

namespace syncore {

bool readMutationRequest(std::string_view text, const ParseLimits& limits, MutationRequest& out) {
  if (text.size() > limits.maxBytes || limits.maxDepth < 1) return false;
  JsonReader reader(text, limits.maxDepth);
  if (!reader.eat('{')) return false;
  json ignored;
  std::string key;
  if (!reader.eat('}')) {
    for (;;) {
      reader.skipSpace();
      key.clear();
      if (reader.atEnd() || reader.peek() != '"' || !reader.parseString(key)) return false;
      if (!reader.eat(':')) return false;
      reader.skipSpace();
      json* slot = out.slot(key);
      // The top-level object is depth 1, as JsonReader::parseDocument counts it; a repeated
      // field's last value wins, as in nlohmann.
      if (!reader.parseValue(slot != nullptr ? *slot : ignored, 1)) return false;
      if (reader.eat(',')) continue;
      if (reader.eat('}')) break;
      return false;
    }
  }
  reader.skipSpace();
  return reader.atEnd();
}

}  // namespace syncore
