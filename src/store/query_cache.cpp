#include "store/query_cache.hpp"

#include <algorithm>

namespace syncore {

void QueryCache::set(const std::string& key, json value, CacheEntryOptions options,
                     std::int64_t nowMs) {
  if (auto it = entries_.find(key); it != entries_.end()) erase(it);
  Entry e;
  e.bytes = 64 + key.size() + syncore::approxBytes(value);
  e.value = std::move(value);
  e.storedAt = nowMs;
  e.freshUntil = nowMs + std::max<std::int64_t>(0, options.ttlMs);
  e.staleUntil = e.freshUntil + std::max<std::int64_t>(0, options.staleMs);
  std::sort(options.tags.begin(), options.tags.end());
  options.tags.erase(std::unique(options.tags.begin(), options.tags.end()), options.tags.end());
  e.tags = std::move(options.tags);
  for (const auto& tag : e.tags) byTag_[tag].insert(key);
  bytes_ += e.bytes;
  entries_.emplace(key, std::move(e));
}

CacheLookup QueryCache::lookup(const std::string& key, std::int64_t nowMs) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  const Entry& e = it->second;
  if (nowMs >= e.staleUntil) {
    erase(it);
    return {};
  }
  CacheLookup out;
  out.status = nowMs < e.freshUntil ? CacheStatus::Fresh : CacheStatus::Stale;
  out.value = &e.value;
  out.ageMs = nowMs - e.storedAt;
  return out;
}

bool QueryCache::invalidate(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  // Never fresh again, but still served (as stale, to revalidate) until it would have expired.
  Entry& e = it->second;
  e.freshUntil = std::min(e.freshUntil, e.storedAt);
  return true;
}

std::size_t QueryCache::invalidateTag(const std::string& tag) {
  auto t = byTag_.find(tag);
  if (t == byTag_.end()) return 0;
  std::size_t n = 0;
  for (const auto& key : t->second) n += invalidate(key) ? 1 : 0;
  return n;
}

bool QueryCache::remove(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  erase(it);
  return true;
}

std::size_t QueryCache::prune(std::int64_t nowMs) {
  std::size_t n = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (nowMs >= it->second.staleUntil) {
      erase(it);
      ++n;
    }
    it = next;
  }
  return n;
}

void QueryCache::clear() {
  entries_.clear();
  byTag_.clear();
  bytes_ = 0;
}

void QueryCache::erase(std::map<std::string, Entry>::iterator it) {
  for (const auto& tag : it->second.tags) {
    auto t = byTag_.find(tag);
    if (t == byTag_.end()) continue;
    t->second.erase(it->first);
    if (t->second.empty()) byTag_.erase(t);
  }
  bytes_ -= it->second.bytes;
  entries_.erase(it);
}

}  // namespace syncore
