#include <catch2/catch.hpp>

#include "store/collection.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_collection {

using namespace syncore;

namespace {
json todo(const std::string& id, const std::string& title) { return {{"id", id}, {"title", title}}; }
}

TEST_CASE("collection: upsert creates, then updates with newer versions") {
  Collection c("todos", {});
  CHECK(c.upsert("1", 1, todo("1", "milk")) == WriteResult::Created);
  CHECK(c.count() == 1);
  CHECK((*c.get("1"))["title"] == "milk");
  CHECK(c.upsert("1", 2, todo("1", "eggs")) == WriteResult::Updated);
  CHECK((*c.get("1"))["title"] == "eggs");
  CHECK(c.find("1")->version == 2);
}

TEST_CASE("collection: stale and identical upserts are ignored") {
  Collection c("todos", {});
  c.upsert("1", 5, todo("1", "v5"));
  CHECK(c.upsert("1", 4, todo("1", "v4")) == WriteResult::Ignored);
  CHECK((*c.get("1"))["title"] == "v5");
  CHECK(c.upsert("1", 5, todo("1", "v5")) == WriteResult::Ignored);
  // same version, different data: the server corrected itself; take it
  CHECK(c.upsert("1", 5, todo("1", "v5b")) == WriteResult::Updated);
}

TEST_CASE("collection: deletes leave tombstones that stop older upserts") {
  Collection c("todos", {});
  c.upsert("1", 1, todo("1", "a"));
  CHECK(c.remove("1", 2) == WriteResult::Deleted);
  CHECK(c.get("1") == nullptr);
  CHECK(c.count() == 0);
  CHECK(c.tombstones() == 1);
  CHECK(c.upsert("1", 1, todo("1", "late")) == WriteResult::Ignored);
  CHECK(c.upsert("1", 2, todo("1", "same version as the delete")) == WriteResult::Ignored);
  CHECK(c.get("1") == nullptr);
  // a newer upsert brings it back
  CHECK(c.upsert("1", 3, todo("1", "again")) == WriteResult::Created);
  CHECK(c.count() == 1);
  CHECK(c.tombstones() == 0);
}

TEST_CASE("collection: a delete for an unknown entity is remembered") {
  Collection c("todos", {});
  CHECK(c.remove("9", 4) == WriteResult::Ignored);
  CHECK(c.tombstones() == 1);
  CHECK(c.upsert("9", 3, todo("9", "old")) == WriteResult::Ignored);
  CHECK(c.remove("9", 2) == WriteResult::Ignored);
  CHECK(c.find("9")->version == 4);
}

TEST_CASE("collection: compact drops tombstones up to a version") {
  Collection c("todos", {});
  for (int i = 0; i < 5; ++i) c.upsert(std::to_string(i), 1, todo(std::to_string(i), "x"));
  for (int i = 0; i < 5; ++i) c.remove(std::to_string(i), 10 + i);
  CHECK(c.tombstones() == 5);
  CHECK(c.compact(11) == 2);
  CHECK(c.tombstones() == 3);
  CHECK(c.compact() == 3);
  CHECK(c.tombstones() == 0);
  CHECK(c.approxBytes() == 0);
}

TEST_CASE("collection: memory estimate follows inserts and removals") {
  Collection c("todos", {});
  CHECK(c.approxBytes() == 0);
  c.upsert("1", 1, todo("1", std::string(1000, 'x')));
  const std::size_t withOne = c.approxBytes();
  CHECK(withOne > 1000);
  c.upsert("1", 2, todo("1", "short"));
  CHECK(c.approxBytes() < withOne);
  std::size_t live = 0;
  c.forEachLive([&](const std::string&, const json&) { ++live; });
  CHECK(live == 1);
}

TEST_CASE("collection: the view overlay hides confirmed state while mutations are pending") {
  Collection c("todos", {});
  c.upsert("1", 1, todo("1", "server"));
  c.setOverlay("1", todo("1", "local edit"));
  CHECK((*c.get("1"))["title"] == "local edit");
  CHECK((*c.confirmed("1"))["title"] == "server");
  CHECK(c.count() == 1);

  // a local create of an entity the server does not know yet
  c.setOverlay("tmp-1", todo("tmp-1", "new"));
  CHECK(c.count() == 2);
  // a local delete
  c.setOverlay("1", nullptr);
  CHECK(c.get("1") == nullptr);
  CHECK(c.count() == 1);
  // confirmed changes underneath an overlay do not change the view count
  c.upsert("1", 2, todo("1", "server v2"));
  c.remove("1", 3);
  CHECK(c.count() == 1);
  c.upsert("1", 4, todo("1", "server v4"));
  std::size_t seen = 0;
  c.forEachLive([&](const std::string& id, const json&) {
    ++seen;
    CHECK(id == "tmp-1");
  });
  CHECK(seen == 1);
  // back to confirmed
  c.clearOverlay("1");
  CHECK((*c.get("1"))["title"] == "server v4");
  CHECK(c.count() == 2);
  c.clearOverlay("tmp-1");
  CHECK(c.count() == 1);
  CHECK(c.get("tmp-1") == nullptr);
  c.clearOverlay("never");  // no-op
  CHECK(c.count() == 1);
}
}  // namespace test_collection
