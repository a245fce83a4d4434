// A query result maintained incrementally: each change costs O(log n) and never rescans the
// collection, so thousands of open queries stay cheap while entities stream in.
#pragma once
#include <cstddef>
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

  // One entity's values of fields(), in that order (nullptr: the entity lacks the field): what
  // the collection's query index holds (Collection::forEachLiveValues), so no tree is built.
  using FieldValues = const json* const*;

  // Adds an entity during the initial full evaluation (called once per entity of the collection).
  void seed(const std::string& id, const json& entity);
  // The first answer in bulk: between beginSeed and endSeed, seedValues only collects the
  // matches (pointers: the id and values must stay put until endSeed, as a collection's do while
  // nothing writes to it); endSeed sorts them once and builds the ordered set in order, which
  // costs a fraction of inserting them one by one. Outside a seed it is onChangeValues.
  void beginSeed();
  void seedValues(const std::string& id, FieldValues values);
  void endSeed();

  // Incremental maintenance: entity==nullptr means the entity is gone. Returns true when the
  // entity was a member before or is one now (the caller then reports the query as touched).
  bool onChange(const std::string& id, const json* entity);
  // The same from the entity's values of fields() (live false: the entity is gone; values is not
  // read then). A flag, not a null pointer: a query with no fields has an empty values array.
  bool onChangeValues(const std::string& id, bool live, FieldValues values);

  std::vector<std::string> window() const;  // ids in sort order within [offset, offset+limit)
  std::size_t total() const { return members_.size(); }  // matches before offset/limit
  bool contains(const std::string& id) const { return index_.count(id) != 0; }

 private:
  // Copies of the sorted fields (a discarded json = missing, which no parser produces): the
  // entity itself may change or disappear while the record still has to be found in the ordered
  // set. The first key is held in the record itself: most queries sort on one field, and a
  // record is then one allocation.
  struct Member {
    json first{json::value_t::discarded};
    std::vector<json> more;  // keys past the first
    std::string id;
    const json* key(std::size_t i) const {
      const json& k = i == 0 ? first : more[i - 1];
      return k.is_discarded() ? nullptr : &k;
    }
  };

  struct Order {
    std::vector<bool> descending;  // a copy, not a pointer to spec_, so moves stay safe
    int compareKeys(const Member& a, const Member& b) const;
    bool operator()(const Member& a, const Member& b) const;
  };

  using MemberSet = std::set<Member, Order>;

  // Where a predicate or sort key reads: the top-level field's place in fields_, and the rest of
  // its dotted path inside that field's value.
  struct Access {
    std::size_t field = 0;
    FieldPath rest;
  };
  const json* valueAt(const Access& access, FieldValues values) const;
  // A match collected by seedValues: its id and sort keys, pointing into the collection.
  struct Candidate {
    const std::string* id;
    std::size_t keys;  // its first key in seedKeys_
  };
  bool seeding_ = false;
  std::vector<Candidate> seeds_;
  std::vector<const json*> seedKeys_;
  bool matchesValues(FieldValues values) const;
  Member makeMember(const std::string& id, FieldValues values) const;
  Member memberWithKeys(const std::string& id, const json* const* keys) const;  // keys: one per orderBy

  QuerySpec spec_;
  std::vector<std::string> fields_;
  std::vector<FieldPath> fieldPaths_;  // fields_[i] as a one-part path (reading an entity tree)
  std::vector<Access> where_;          // one per spec_.where
  std::vector<Access> order_;          // one per spec_.orderBy
  MemberSet members_;
  std::unordered_map<std::string, MemberSet::iterator> index_;
};

}  // namespace syncore
