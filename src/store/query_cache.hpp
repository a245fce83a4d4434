// A cache for results fetched from outside the sync channel (REST reads, computed reports): the
// TTL caches apps otherwise hand-roll. Time always comes in from the caller; the core has no clock.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/json_util.hpp"

namespace syncore {

struct CacheEntryOptions {
  std::int64_t ttlMs = 60'000;    // fresh for this long after being set
  std::int64_t staleMs = 0;       // then served as stale (revalidate in background) this long
  std::vector<std::string> tags;  // e.g. the collections the result was built from
};

struct CacheLookup {
  CacheStatus status = CacheStatus::Miss;
  const json* value = nullptr;  // set for Fresh and Stale
  std::int64_t ageMs = 0;
};

class QueryCache {
 public:
  void set(const std::string& key, json value, CacheEntryOptions options, std::int64_t nowMs);
  // A lookup past fresh + stale windows drops the entry and reports a miss.
  CacheLookup lookup(const std::string& key, std::int64_t nowMs);
  // Marks an entry stale now (its value is still served while revalidating).
  bool invalidate(const std::string& key);
  std::size_t invalidateTag(const std::string& tag);
  bool remove(const std::string& key);
  std::size_t prune(std::int64_t nowMs);  // drops every expired entry
  void clear();
  std::size_t size() const { return entries_.size(); }
  std::size_t approxBytes() const { return bytes_; }

 private:
  struct Entry {
    json value;
    std::int64_t storedAt = 0;
    std::int64_t freshUntil = 0;
    std::int64_t staleUntil = 0;
    std::vector<std::string> tags;
    std::size_t bytes = 0;
  };
  void erase(std::map<std::string, Entry>::iterator it);

  std::map<std::string, Entry> entries_;
  std::map<std::string, std::set<std::string>> byTag_;
  std::size_t bytes_ = 0;
};

}  // namespace syncore
