#include "sync/mutation_request.hpp"

namespace syncore {

json* MutationRequest::slot(std::string_view field) {
  // By length first: a request has few fields and this runs once per field.
  switch (field.size()) {
    case 2: return field == "id" ? &id : field == "op" ? &op : nullptr;
    case 4: return field == "data" ? &data : nullptr;
    case 5: return field == "patch" ? &patch : nullptr;
    case 8: return field == "priority" ? &priority : field == "strategy" ? &strategy : nullptr;
    case 10: return field == "collection" ? &collection : field == "maxRetries" ? &maxRetries : nullptr;
    case 13: return field == "expireAfterMs" ? &expireAfterMs : nullptr;
    default: return nullptr;
  }
}

MutationRequest MutationRequest::fromJson(const json& request) {
  MutationRequest out;
  if (!request.is_object()) {
    out.isObject = false;
    return out;
  }
  for (const auto& [key, value] : request.items())
    if (json* s = out.slot(key)) *s = value;
  return out;
}

}  // namespace syncore
