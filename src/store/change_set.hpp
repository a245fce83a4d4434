// What one commit changed: ids created / updated / deleted per collection. Subscribers, live
// queries and the JS snapshot cache are all driven from this, never from a rescan.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "base/json_util.hpp"

namespace syncore {

struct CollectionChanges {
  std::vector<std::string> created;
  std::vector<std::string> updated;
  std::vector<std::string> deleted;
  bool empty() const { return created.empty() && updated.empty() && deleted.empty(); }
  std::size_t size() const { return created.size() + updated.size() + deleted.size(); }
};

struct ChangeSet {
  std::map<std::string, CollectionChanges> collections;  // ordered: deterministic output
  bool empty() const {
    for (const auto& [name, changes] : collections)
      if (!changes.empty()) return false;
    return true;
  }
};

json changeSetToJson(const ChangeSet& changes);

}  // namespace syncore
