#include "wire/mutation_request_text.hpp"

#include "wire/json_reader.hpp"

namespace syncore {

namespace {

// A string at the reader (on its opening quote): its raw bytes when it has no escapes (no copy),
// else decoded. False on a string that is not valid.
bool readString(JsonReader& reader, std::string_view& out, std::string& decoded) {
  if (reader.plainString(out)) return true;
  decoded.clear();
  if (!reader.parseString(decoded)) return false;
  out = decoded;
  return true;
}

}  // namespace

bool readMutationRequest(std::string_view text, const ParseLimits& limits, MutationRequest& out) {
  if (text.size() > limits.maxBytes || limits.maxDepth < 1) return false;
  JsonReader reader(text, limits.maxDepth);
  if (!reader.eat('{')) return false;
  json ignored;
  std::string decodedKey;
  if (!reader.eat('}')) {
    for (;;) {
      reader.skipSpace();
      std::string_view key;
      if (reader.atEnd() || reader.peek() != '"' || !readString(reader, key, decodedKey)) return false;
      if (!reader.eat(':')) return false;
      reader.skipSpace();
      if (reader.atEnd()) return false;
      const MutationRequest::Slot slot = out.slot(key);
      // The top-level object is depth 1, as JsonReader::parseDocument counts it; a repeated
      // field's last value wins, as in nlohmann.
      if (slot.text != nullptr && reader.peek() == '"') {
        std::string_view raw;
        if (reader.plainString(raw)) {
          slot.text->setView(raw);  // the bytes of the text itself: no copy
        } else {
          std::string decoded;
          if (!reader.parseString(decoded)) return false;
          slot.text->setOwned(std::move(decoded));
        }
      } else if (slot.text != nullptr) {
        json value;
        if (!reader.parseValue(value, 1)) return false;
        slot.text->setOther(std::move(value));
      } else if (!reader.parseValue(slot.tree != nullptr ? *slot.tree : ignored, 1)) {
        return false;
      }
      if (reader.eat(',')) continue;
      if (reader.eat('}')) break;
      return false;
    }
  }
  reader.skipSpace();
  return reader.atEnd();
}

}  // namespace syncore
