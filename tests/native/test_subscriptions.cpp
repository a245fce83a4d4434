#include <catch2/catch.hpp>

#include "store/subscriptions.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_subscriptions {

using namespace syncore;

TEST_CASE("subscriptions: collection and entity subscribers are notified once each") {
  SubscriptionRegistry reg;
  auto all = reg.subscribe("todos");
  auto one = reg.subscribe("todos", "1");
  auto two = reg.subscribe("todos", "2");
  auto other = reg.subscribe("notes");
  ChangeSet cs;
  cs.collections["todos"].updated = {"1"};
  cs.collections["todos"].deleted = {"3"};
  auto hit = reg.affected(cs);
  CHECK(hit == std::vector<std::uint32_t>{all, one});
  (void)two;
  (void)other;
}

TEST_CASE("subscriptions: unsubscribe stops notifications and is reported once") {
  SubscriptionRegistry reg;
  auto a = reg.subscribe("todos", "1");
  CHECK(reg.size() == 1);
  CHECK(reg.unsubscribe(a));
  CHECK_FALSE(reg.unsubscribe(a));
  CHECK(reg.size() == 0);
  ChangeSet cs;
  cs.collections["todos"].created = {"1"};
  CHECK(reg.affected(cs).empty());
}

TEST_CASE("subscriptions: an empty change set notifies nobody") {
  SubscriptionRegistry reg;
  reg.subscribe("todos");
  ChangeSet cs;
  cs.collections["todos"];
  CHECK(reg.affected(cs).empty());
}

TEST_CASE("subscriptions: renaming an entity moves its subscribers") {
  SubscriptionRegistry reg;
  auto s = reg.subscribe("todos", "tmp-1");
  reg.renameEntity("todos", "tmp-1", "42");
  ChangeSet cs;
  cs.collections["todos"].updated = {"42"};
  CHECK(reg.affected(cs) == std::vector<std::uint32_t>{s});
  CHECK(reg.unsubscribe(s));
}
}  // namespace test_subscriptions
