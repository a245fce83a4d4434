#include "store/change_set.hpp"

namespace syncore {

json changeSetToJson(const ChangeSet& changes) {
  json out = json::object();
  for (const auto& [name, c] : changes.collections) {
    if (c.empty()) continue;
    out[name] = {{"created", c.created}, {"updated", c.updated}, {"deleted", c.deleted}};
  }
  return out;
}

}  // namespace syncore
