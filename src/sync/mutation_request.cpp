#include "sync/mutation_request.hpp"

namespace syncore {

void RequestString::setOther(json value) {
  if (value.is_string()) return setOwned(std::move(value.get_ref<std::string&>()));
  kind_ = Kind::Other;
  other_ = std::move(value);
}

MutationRequest::Slot MutationRequest::slot(std::string_view field) {
  // By length first: a request has few fields and this runs once per field.
  switch (field.size()) {
    case 2: return field == "id" ? Slot{&id} : field == "op" ? Slot{&op} : Slot{};
    case 4: return field == "data" ? Slot{nullptr, &data} : Slot{};
    case 5: return field == "patch" ? Slot{nullptr, &patch} : Slot{};
    case 8: return field == "priority" ? Slot{&priority} : field == "strategy" ? Slot{&strategy} : Slot{};
    case 10: return field == "collection" ? Slot{&collection} : field == "maxRetries" ? Slot{nullptr, &maxRetries} : Slot{};
    case 13: return field == "expireAfterMs" ? Slot{nullptr, &expireAfterMs} : Slot{};
    default: return Slot{};
  }
}

MutationRequest MutationRequest::fromJson(const json& request) {
  MutationRequest out;
  if (!request.is_object()) {
    out.isObject = false;
    return out;
  }
  for (const auto& [key, value] : request.items()) {
    const Slot s = out.slot(key);
    if (s.text != nullptr) s.text->setOther(value);  // a string becomes the request's own copy
    else if (s.tree != nullptr) *s.tree = value;
  }
  return out;
}

bool idFromRequest(const RequestString& value, std::string& out) {
  if (!value.isString()) return idFromJson(value.other(), out);
  if (value.str().empty()) return false;
  out.assign(value.str());
  return true;
}

}  // namespace syncore
