#include "store/subscriptions.hpp"

namespace syncore {

std::uint32_t SubscriptionRegistry::subscribe(const std::string& collection, const std::string& id) {
  const std::uint32_t sub = next_++;
  subs_[sub] = Target{collection, id};
  if (id.empty()) byCollection_[collection].insert(sub);
  else byEntity_[collection][id].insert(sub);
  return sub;
}

bool SubscriptionRegistry::unsubscribe(std::uint32_t sub) {
  auto it = subs_.find(sub);
  if (it == subs_.end()) return false;
  const Target& t = it->second;
  if (t.id.empty()) {
    auto c = byCollection_.find(t.collection);
    if (c != byCollection_.end()) {
      c->second.erase(sub);
      if (c->second.empty()) byCollection_.erase(c);
    }
  } else {
    auto c = byEntity_.find(t.collection);
    if (c != byEntity_.end()) {
      auto e = c->second.find(t.id);
      if (e != c->second.end()) {
        e->second.erase(sub);
        if (e->second.empty()) c->second.erase(e);
      }
      if (c->second.empty()) byEntity_.erase(c);
    }
  }
  subs_.erase(it);
  return true;
}

std::vector<std::uint32_t> SubscriptionRegistry::affected(const ChangeSet& changes) const {
  std::set<std::uint32_t> hit;
  for (const auto& [collection, c] : changes.collections) {
    if (c.empty()) continue;
    if (auto it = byCollection_.find(collection); it != byCollection_.end())
      hit.insert(it->second.begin(), it->second.end());
    auto entities = byEntity_.find(collection);
    if (entities == byEntity_.end()) continue;
    for (const auto* ids : {&c.created, &c.updated, &c.deleted}) {
      for (const auto& id : *ids) {
        if (auto e = entities->second.find(id); e != entities->second.end())
          hit.insert(e->second.begin(), e->second.end());
      }
    }
  }
  return {hit.begin(), hit.end()};
}

void SubscriptionRegistry::renameEntity(const std::string& collection, const std::string& from,
                                        const std::string& to) {
  auto c = byEntity_.find(collection);
  if (c == byEntity_.end()) return;
  auto e = c->second.find(from);
  if (e == c->second.end()) return;
  std::set<std::uint32_t> moved = std::move(e->second);
  c->second.erase(e);
  for (std::uint32_t sub : moved) subs_[sub].id = to;
  c->second[to].insert(moved.begin(), moved.end());
}

}  // namespace syncore
