// A local write as the client sends it ({collection, op, id?, data?, patch?, priority?, strategy?,
// maxRetries?, expireAfterMs?}): its top-level fields in slots of their own instead of an
// nlohmann object, so the request the boundary reads (wire/mutation_request_text.hpp) costs no
// map of fields to build, search and free. Each slot is null when the field is absent or null
// (SyncCore::mutate treats both alike); fields it does not know are dropped.
#pragma once
#include <string_view>

#include "base/json_util.hpp"

namespace syncore {

struct MutationRequest {
  // Not an aggregate: a braced request tree passed to SyncCore::mutate is a json, never this.
  MutationRequest() {}

  bool isObject = true;  // false: the request was not an object (mutate refuses it)
  json collection, op, id, data, patch, priority, strategy, maxRetries, expireAfterMs;

  // The slot a top-level field goes in, or null for a field a mutation does not read.
  json* slot(std::string_view field);
  // The fields of a request tree (copied: the tree stays the caller's).
  static MutationRequest fromJson(const json& request);
};

}  // namespace syncore
