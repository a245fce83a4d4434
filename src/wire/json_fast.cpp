#include "wire/json_fast.hpp"

#include "wire/json_reader.hpp"

namespace syncore {

Status parseJsonFast(std::string_view text, json& out, const ParseLimits& limits) {
  if (text.size() <= limits.maxBytes) {
    json parsed;
    JsonReader parser(text, limits.maxDepth);
    if (parser.parseDocument(parsed)) {
      out = std::move(parsed);
      return Status::ok();
    }
  }
  return parseJson(text, out, limits);  // every refusal, with parseJson's own error
}

}  // namespace syncore
