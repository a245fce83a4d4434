// Safe JSON helpers: the core is built without exceptions, so every nlohmann call that could throw
// (parse, dump of invalid UTF-8, typed get) is wrapped here in a form that cannot.
#pragma once
#include <nlohmann/json.hpp>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/errors.hpp"

namespace syncore {

using json = nlohmann::json;

struct ParseLimits {
  std::size_t maxBytes = 64u * 1024u * 1024u;  // one batch; a bulk load of 100k entities fits
  // How deep an entity's data may nest ({} is one level), the same on every path: a create or an
  // update, the server's change, its ack, a restored record. Text crossing the boundary wraps the
  // data in envelopes (a request, an op, a stored record), so its parse allows kEnvelopeDepth more.
  int maxDepth = 64;
  static constexpr int kEnvelopeDepth = 8;
  ParseLimits forText() const {
    ParseLimits text = *this;
    text.maxDepth = maxDepth + kEnvelopeDepth;
    return text;
  }
};

// Nesting depth of a value (scalars 0, {} and [] 1), counted no further than limit + 1.
int jsonDepth(const json& value, int limit);
// TooDeep when value (an entity's data, a patch) nests deeper than limits.maxDepth.
Status checkDataDepth(const json& value, const ParseLimits& limits, const char* what);

// Parses text into out. Rejects invalid JSON / UTF-8 (BadJson), oversize (TooLarge) and
// over-deep nesting (TooDeep) before building anything.
Status parseJson(std::string_view text, json& out, const ParseLimits& limits = {});
// One JSON document, no limits: true and out the value, or false (out unspecified) when text is
// not one valid JSON value; what nlohmann's json::parse accepts and builds, read by the core's own
// reader (wire/json_reader.hpp: nlohmann's parser is not linked into the wasm). Recursive: text
// from outside goes through parseJson, which bounds the nesting first.
bool parseJsonValue(std::string_view text, json& out);

// Serialises without throwing: invalid UTF-8 inside strings is replaced, never an abort.
std::string dumpJson(const json& value);
// The same text appended to out (no intermediate string).
void appendJson(std::string& out, const json& value);
// s as a JSON string literal, the bytes nlohmann's dump writes for json(s) (invalid UTF-8
// replaced): the one escaper of the core, for text written without a json value.
void appendJsonString(std::string& out, std::string_view s);
// n (any integer type) in decimal appended to out, as std::to_string writes it (no temporary string).
template <class Int>
void appendDecimal(std::string& out, Int n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

// A dotted field path ("meta.owner.name", "tags.0") split once, then walked without allocation.
using FieldPath = std::vector<std::string>;
FieldPath splitPath(std::string_view dotted);
const json* lookupPath(const json& root, const FieldPath& path);

// Entity ids are strings inside the core; integer ids (as many REST back ends send) are accepted
// and turned into their decimal text.
bool idFromJson(const json& value, std::string& out);

// Integral JSON number (signed or unsigned) into int64; false for any other type.
bool int64FromJson(const json& value, std::int64_t& out);

// Rough heap footprint of a JSON value, for stats; cheap enough to run on every insert.
std::size_t approxBytes(const json& value);

}  // namespace syncore
