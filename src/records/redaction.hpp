// Sensitive fields never reach storage: a collection defined with {"sensitiveFields": ["a.b"]}
// has those paths left out of every persisted record that holds its entity or a patch of it
// (entities' data, a pending change's payload and base, a dead letter's, a parked conflict's
// sides). A pending change that lost values says which ("redactedFields"), so the restore can
// report it and drop an edit left empty (js/storage/recover.js). The core's own state keeps them.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "base/json_util.hpp"

namespace syncore {

struct SensitiveFields {
  std::vector<std::string> paths;                   // as given ("a.b")
  std::vector<std::vector<std::string>> segments;  // split at the dots
  bool empty() const { return paths.empty(); }
};

// The collection option: an array of dotted paths (anything else, and non-strings in it: none).
SensitiveFields sensitiveFieldsFromJson(const json& option);

using SensitiveLookup = std::function<const SensitiveFields*(const std::string& collection)>;

// Redacts one persisted record ({"store", "key", "value"}) in place.
void redactRecord(json& record, const SensitiveLookup& lookup);

}  // namespace syncore
