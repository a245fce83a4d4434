// A query result maintained incrementally: each change costs O(log n) and never rescans the
// collection, so thousands of open queries stay cheap while entities stream in.
#pragma once
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/json_util.hpp"
#include "store/query.hpp"

namespace syncore {

class LiveQuery {
 public:
  explicit LiveQuery(QuerySpec spec);
  // The index holds iterators into members_; a copy would point into the wrong set. A move keeps
  // them valid (std::set moves its nodes).
  LiveQuery(const LiveQuery&) = delete;
  LiveQuery& operator=(const LiveQuery&) = delete;
  LiveQuery(LiveQuery&&) = default;
  LiveQuery& operator=(LiveQuery&&) = default;

  const QuerySpec& spec() const { return spec_; }
  // The top-level fields its predicates and sort keys read: all a member needs of an entity, so
  // an entity held as text is read for these alone (Collection::getFields).
  const std::vector<std::string>& fields() const { return fields_; }
  void clear();

  // Adds an entity during the initial full evaluation (called once per entity of the collection).
  void seed(const std::string& id, const json& entity);

  // Incremental maintenance: entity==nullptr means the entity is gone. Returns true when the
  // entity was a member before or is one now (the caller then reports the query as touched).
  bool onChange(const std::string& id, const json* entity);

  std::vector<std::string> window() const;  // ids in sort order within [offset, offset+limit)
  std::size_t total() const { return members_.size(); }  // matches before offset/limit
  bool contains(const std::string& id) const { return index_.count(id) != 0; }

 private:
  // Copies of the sorted fields (nullopt = missing): the entity itself may change or disappear
  // while the record still has to be found in the ordered set.
  struct Member {
    std::vector<std::optional<json>> keys;
    std::string id;
  };

  struct Order {
    std::vector<bool> descending;  // a copy, not a pointer to spec_, so moves stay safe
    int compareKeys(const Member& a, const Member& b) const;
    bool operator()(const Member& a, const Member& b) const;
  };

  using MemberSet = std::set<Member, Order>;

  Member makeMember(const std::string& id, const json& entity) const;

  QuerySpec spec_;
  std::vector<std::string> fields_;
  MemberSet members_;
  std::unordered_map<std::string, MemberSet::iterator> index_;
};

}  // namespace syncore
