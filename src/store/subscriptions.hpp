// Who wants to hear about which change: subscriptions per collection and per entity. Given a
// commit's change set it answers with the subscription ids to notify, each once, in id order.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/change_set.hpp"

namespace syncore {

class SubscriptionRegistry {
 public:
  // id empty: the whole collection.
  std::uint32_t subscribe(const std::string& collection, const std::string& id = {});
  bool unsubscribe(std::uint32_t sub);
  std::vector<std::uint32_t> affected(const ChangeSet& changes) const;
  std::size_t size() const { return subs_.size(); }
  // Remaps entity subscriptions when an entity's id changes (temp id -> server id).
  void renameEntity(const std::string& collection, const std::string& from, const std::string& to);

  struct Target {
    std::string collection;
    std::string id;  // empty: the whole collection
  };
  const Target* target(std::uint32_t sub) const {
    auto it = subs_.find(sub);
    return it == subs_.end() ? nullptr : &it->second;
  }

 private:
  std::uint32_t next_ = 1;
  std::map<std::uint32_t, Target> subs_;
  std::map<std::string, std::set<std::uint32_t>> byCollection_;
  std::map<std::string, std::map<std::string, std::set<std::uint32_t>>> byEntity_;
};

}  // namespace syncore
