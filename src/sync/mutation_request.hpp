// A local write as the client sends it ({collection, op, id?, data?, patch?, priority?, strategy?,
// maxRetries?, expireAfterMs?}): its top-level fields in slots of their own instead of an
// nlohmann object, so the request the boundary reads (wire/mutation_request_text.hpp) costs no
// map of fields to build, search and free. The fields that hold a string in a valid request
// (collection, op, id, priority, strategy) are string views into the request's text, not trees:
// a json string is a heap allocation each, to build, read once and free. Only data and patch,
// which become the pending entry's payload, are trees. Each slot is null when the field is
// absent or null (SyncCore::mutate treats both alike); fields it does not know are dropped.
#pragma once
#include <string>
#include <string_view>

#include "base/json_util.hpp"

namespace syncore {

// One of the request's string fields: the string as a view (into the request text it was read
// from, which must outlive it, or into its own decoded copy when the text had escapes), or any
// other value as a tree (an integer id; a wrong type, which mutate refuses with its message).
class RequestString {
 public:
  bool isString() const { return kind_ == Kind::View || kind_ == Kind::Owned; }
  // Absent or null.
  bool isNull() const { return kind_ == Kind::Null || (kind_ == Kind::Other && other_.is_null()); }
  // The string (empty unless isString()). Computed on each call: a moved request keeps its copy.
  std::string_view str() const { return kind_ == Kind::Owned ? std::string_view(owned_) : view_; }
  // The value when it is not a string (null otherwise).
  const json& other() const { return other_; }
  bool operator==(std::string_view s) const { return isString() && str() == s; }

  // A view of bytes that outlive the request (a string without escapes in the request's text).
  void setView(std::string_view s) { kind_ = Kind::View, view_ = s; }
  void setOwned(std::string s) { kind_ = Kind::Owned, owned_ = std::move(s); }
  void setOther(json value);

 private:
  enum class Kind : unsigned char { Null, View, Owned, Other };
  Kind kind_ = Kind::Null;
  std::string_view view_;
  std::string owned_;
  json other_;
};

struct MutationRequest {
  // Not an aggregate: a braced request tree passed to SyncCore::mutate is a json, never this.
  MutationRequest() {}

  bool isObject = true;  // false: the request was not an object (mutate refuses it)
  RequestString collection, op, id, priority, strategy;
  json data, patch, maxRetries, expireAfterMs;

  // Where a top-level field goes: a string field, a tree field, or neither (a field a mutation
  // does not read).
  struct Slot {
    RequestString* text = nullptr;
    json* tree = nullptr;
  };
  Slot slot(std::string_view field);
  // The fields of a request tree (copied, strings too: the tree stays the caller's and may go
  // first; the cold path, for text the boundary's reader leaves to the parser).
  static MutationRequest fromJson(const json& request);
};

// An entity id as mutate takes it: a non-empty string or an integer (as its decimal text).
bool idFromRequest(const RequestString& value, std::string& out);

}  // namespace syncore
