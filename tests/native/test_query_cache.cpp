#include <catch2/catch.hpp>

#include "store/query_cache.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_query_cache {

using namespace syncore;

TEST_CASE("query_cache: fresh within ttl, stale within the stale window, then a miss") {
  QueryCache cache;
  cache.set("students?page=1", json::array({1, 2}), {1000, 500, {}}, 10'000);
  auto hit = cache.lookup("students?page=1", 10'500);
  CHECK(hit.status == CacheStatus::Fresh);
  REQUIRE(hit.value != nullptr);
  CHECK(*hit.value == json::array({1, 2}));
  CHECK(hit.ageMs == 500);
  CHECK(cache.lookup("students?page=1", 11'000).status == CacheStatus::Stale);
  CHECK(cache.lookup("students?page=1", 11'499).status == CacheStatus::Stale);
  CHECK(cache.lookup("students?page=1", 11'500).status == CacheStatus::Miss);
  CHECK(cache.size() == 0);  // the expired entry was dropped
}

TEST_CASE("query_cache: without a stale window an entry expires at its ttl") {
  QueryCache cache;
  cache.set("k", 1, {100, 0, {}}, 0);
  CHECK(cache.lookup("k", 99).status == CacheStatus::Fresh);
  CHECK(cache.lookup("k", 100).status == CacheStatus::Miss);
  CHECK(cache.lookup("never-set", 0).status == CacheStatus::Miss);
}

TEST_CASE("query_cache: invalidate by key keeps the value as stale") {
  QueryCache cache;
  cache.set("k", "v", {1000, 1000, {}}, 0);
  CHECK(cache.invalidate("k"));
  auto hit = cache.lookup("k", 10);
  CHECK(hit.status == CacheStatus::Stale);
  REQUIRE(hit.value != nullptr);
  CHECK(*hit.value == "v");
  CHECK_FALSE(cache.invalidate("other"));
  // setting again makes it fresh
  cache.set("k", "v2", {1000, 0, {}}, 20);
  CHECK(cache.lookup("k", 30).status == CacheStatus::Fresh);
}

TEST_CASE("query_cache: invalidate by tag touches only tagged entries") {
  QueryCache cache;
  cache.set("a", 1, {1000, 1000, {"students"}}, 0);
  cache.set("b", 2, {1000, 1000, {"students", "grades"}}, 0);
  cache.set("c", 3, {1000, 1000, {"grades"}}, 0);
  CHECK(cache.invalidateTag("students") == 2);
  CHECK(cache.lookup("a", 1).status == CacheStatus::Stale);
  CHECK(cache.lookup("b", 1).status == CacheStatus::Stale);
  CHECK(cache.lookup("c", 1).status == CacheStatus::Fresh);
  CHECK(cache.invalidateTag("nothing") == 0);
}

TEST_CASE("query_cache: remove, prune, clear and size accounting") {
  QueryCache cache;
  cache.set("a", 1, {10, 0, {"t"}}, 0);
  cache.set("b", 2, {1000, 0, {"t"}}, 0);
  cache.set("c", 3, {1000, 0, {}}, 0);
  CHECK(cache.size() == 3);
  CHECK(cache.approxBytes() > 0);
  CHECK(cache.prune(50) == 1);
  CHECK(cache.size() == 2);
  CHECK(cache.remove("b"));
  CHECK_FALSE(cache.remove("b"));
  CHECK(cache.invalidateTag("t") == 0);  // tag index followed the removals
  cache.clear();
  CHECK(cache.size() == 0);
  CHECK(cache.approxBytes() == 0);
}

TEST_CASE("query_cache: replacing an entry replaces its tags") {
  QueryCache cache;
  cache.set("k", 1, {1000, 0, {"old"}}, 0);
  cache.set("k", 2, {1000, 0, {"new"}}, 0);
  CHECK(cache.invalidateTag("old") == 0);
  CHECK(cache.invalidateTag("new") == 1);
}
}  // namespace test_query_cache
