#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "sync/hlc.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_hlc {

using namespace syncore;

namespace {
HlcTimestamp at(std::int64_t wall, std::uint32_t counter, const std::string& node) {
  HlcTimestamp t;
  t.wallMs = wall;
  t.counter = counter;
  t.node = node;
  return t;
}
constexpr std::int64_t kNow = 1'700'000'000'000;       // Nov 2023
constexpr std::int64_t kYear2099 = 4'070'908'800'000;  // 1 Jan 2099
}  // namespace

TEST_CASE("hlc: a fresh clock follows the wall clock and carries its node") {
  HybridLogicalClock clock("a");
  HlcTimestamp t = clock.tick(kNow);
  CHECK(t.wallMs == kNow);
  CHECK(t.counter == 0);
  CHECK(t.node == "a");
  CHECK(compareHlc(clock.last(), t) == 0);
  t = clock.tick(kNow + 5);
  CHECK(t.wallMs == kNow + 5);
  CHECK(t.counter == 0);
}

TEST_CASE("hlc: events in the same millisecond increment the counter") {
  HybridLogicalClock clock("a");
  HlcTimestamp t1 = clock.tick(kNow);
  HlcTimestamp t2 = clock.tick(kNow);
  HlcTimestamp t3 = clock.tick(kNow);
  CHECK(t2.wallMs == kNow);
  CHECK(t2.counter == 1);
  CHECK(t3.counter == 2);
  CHECK(compareHlc(t1, t2) < 0);
  CHECK(compareHlc(t2, t3) < 0);
}

TEST_CASE("hlc: stays monotonic when the wall clock goes backwards") {
  HybridLogicalClock clock("a");
  HlcTimestamp prev = clock.tick(kNow);
  const std::int64_t walls[] = {kNow - 1000, kNow - 5000, kNow, kNow - 1, kNow + 1, kNow - 30000};
  for (std::int64_t wall : walls) {
    HlcTimestamp next = clock.tick(wall);
    CHECK(compareHlc(prev, next) < 0);
    prev = next;
  }
  // the wall part never went below the highest wall seen; the counter carried the order
  CHECK(prev.wallMs == kNow + 1);
  CHECK(prev.counter == 1);
  // once real time passes the held wall, the counter resets
  HlcTimestamp later = clock.tick(kNow + 2);
  CHECK(later.wallMs == kNow + 2);
  CHECK(later.counter == 0);
}

TEST_CASE("hlc: an exhausted counter borrows the next millisecond") {
  HybridLogicalClock clock("a");
  clock.restore(at(kNow, std::numeric_limits<std::uint32_t>::max(), "a"));
  HlcTimestamp t = clock.tick(kNow);
  CHECK(t.wallMs == kNow + 1);
  CHECK(t.counter == 0);
}

TEST_CASE("hlc: receiving from a node ahead moves the clock past the remote stamp") {
  HybridLogicalClock clock("a");
  clock.tick(kNow);
  HlcTimestamp remote = at(kNow + 500, 7, "b");
  HlcTimestamp t = clock.receive(remote, kNow + 10);
  CHECK(t.wallMs == kNow + 500);
  CHECK(t.counter == 8);
  CHECK(t.node == "a");
  CHECK(compareHlc(remote, t) < 0);
  // later local events stay after it even though the local wall is behind
  HlcTimestamp next = clock.tick(kNow + 20);
  CHECK(compareHlc(t, next) < 0);
  CHECK(next.wallMs == kNow + 500);
  CHECK(next.counter == 9);
}

TEST_CASE("hlc: receiving from a node behind keeps the local time") {
  HybridLogicalClock clock("a");
  HlcTimestamp local = clock.tick(kNow);
  HlcTimestamp t = clock.receive(at(kNow - 2000, 40, "b"), kNow);
  CHECK(t.wallMs == kNow);
  CHECK(t.counter == local.counter + 1);
  // the local wall moved on: it wins over both
  t = clock.receive(at(kNow - 2000, 40, "b"), kNow + 3);
  CHECK(t.wallMs == kNow + 3);
  CHECK(t.counter == 0);
}

TEST_CASE("hlc: receiving at an equal wall takes the larger counter") {
  HybridLogicalClock clock("a");
  clock.tick(kNow);
  clock.tick(kNow);  // counter 1
  HlcTimestamp t = clock.receive(at(kNow, 5, "b"), kNow);
  CHECK(t.wallMs == kNow);
  CHECK(t.counter == 6);
  t = clock.receive(at(kNow, 2, "b"), kNow);
  CHECK(t.counter == 7);
}

TEST_CASE("hlc: a timestamp from 2099 is clamped to the allowed drift") {
  HybridLogicalClock clock("a", 60'000);
  clock.tick(kNow);
  HlcTimestamp rogue = at(kYear2099, 0, "rogue");
  HlcTimestamp t = clock.receive(rogue, kNow);
  CHECK(t.wallMs == kNow + 60'000);
  CHECK(t.counter == 1);

  HlcTimestamp clamped = clampHlc(rogue, kNow, 60'000);
  CHECK(clamped.wallMs == kNow + 60'000);
  CHECK(clamped.counter == 0);
  CHECK(clamped.node == "rogue");
  CHECK(compareHlc(clamped, t) < 0);

  // ordering stays sane: a minute and a bit later, new local writes follow the wall clock again
  // and come after the clamped rogue write instead of losing to it until 2099
  HlcTimestamp next = clock.tick(kNow + 61'000);
  CHECK(next.wallMs == kNow + 61'000);
  CHECK(next.counter == 0);
  CHECK(compareHlc(clamped, next) < 0);

  // a well-behaved peer is unaffected
  HlcTimestamp peer = at(kNow + 61'500, 3, "b");
  t = clock.receive(peer, kNow + 61'200);
  CHECK(t.wallMs == kNow + 61'500);
  CHECK(t.counter == 4);
}

TEST_CASE("hlc: clamping leaves stamps within the drift alone and saturates") {
  HlcTimestamp inRange = at(kNow + 59'999, 2, "b");
  CHECK(compareHlc(clampHlc(inRange, kNow, 60'000), inRange) == 0);
  HlcTimestamp huge = at(std::numeric_limits<std::int64_t>::max(), 0, "b");
  CHECK(clampHlc(huge, std::numeric_limits<std::int64_t>::max() - 5, 60'000).wallMs ==
        std::numeric_limits<std::int64_t>::max());
  HybridLogicalClock strict("a", 0);
  CHECK(strict.receive(at(kNow + 1, 0, "b"), kNow).wallMs == kNow);
  HybridLogicalClock negative("a", -10);  // treated as zero drift
  CHECK(negative.maxDriftMs() == 0);
}

TEST_CASE("hlc: ties on wall and counter are broken by node") {
  HlcTimestamp a = at(kNow, 3, "alpha");
  HlcTimestamp b = at(kNow, 3, "beta");
  CHECK(compareHlc(a, b) < 0);
  CHECK(compareHlc(b, a) > 0);
  CHECK(compareHlc(a, a) == 0);
  // wall dominates counter, counter dominates node
  CHECK(compareHlc(at(kNow, 99, "z"), at(kNow + 1, 0, "a")) < 0);
  CHECK(compareHlc(at(kNow, 1, "z"), at(kNow, 2, "a")) < 0);
}

TEST_CASE("hlc: restore resumes from a persisted stamp and never moves back") {
  HybridLogicalClock first("a");
  first.tick(kNow);
  HlcTimestamp saved = first.tick(kNow);

  HybridLogicalClock second("a");
  second.restore(saved);
  CHECK(compareHlc(second.last(), saved) == 0);
  CHECK(compareHlc(saved, second.tick(kNow - 100)) < 0);

  HlcTimestamp current = second.last();
  second.restore(at(kNow - 5000, 0, "a"));  // a stale copy
  CHECK(compareHlc(second.last(), current) == 0);
  second.restore(at(kNow + 10, 0, "other"));  // the node stays this clock's own
  CHECK(second.last().node == "a");
  CHECK(second.last().wallMs == kNow + 10);
}

TEST_CASE("hlc: JSON round-trip") {
  HlcTimestamp t = at(kNow, 42, "node-1");
  json j = hlcToJson(t);
  CHECK(j == json::parse(R"({"wall":1700000000000,"counter":42,"node":"node-1"})"));
  HlcTimestamp back;
  REQUIRE(hlcFromJson(j, back));
  CHECK(compareHlc(back, t) == 0);
  CHECK(back.node == "node-1");

  HlcTimestamp maxCounter = at(0, std::numeric_limits<std::uint32_t>::max(), "");
  REQUIRE(hlcFromJson(hlcToJson(maxCounter), back));
  CHECK(compareHlc(back, maxCounter) == 0);
}

TEST_CASE("hlc: bad JSON is rejected without touching the output") {
  const char* bad[] = {
      "null",
      "[]",
      "\"x\"",
      R"({"counter":1,"node":"a"})",
      R"({"wall":1,"node":"a"})",
      R"({"wall":1,"counter":1})",
      R"({"wall":"1","counter":1,"node":"a"})",
      R"({"wall":1.5,"counter":1,"node":"a"})",
      R"({"wall":-1,"counter":1,"node":"a"})",
      R"({"wall":1,"counter":-1,"node":"a"})",
      R"({"wall":1,"counter":4294967296,"node":"a"})",
      R"({"wall":1,"counter":1,"node":7})",
      R"({"wall":18446744073709551615,"counter":1,"node":"a"})",
  };
  for (const char* text : bad) {
    INFO(text);
    json j;
    REQUIRE(parseJson(text, j).isOk());
    HlcTimestamp out = at(9, 9, "keep");
    CHECK_FALSE(hlcFromJson(j, out));
    CHECK(out.wallMs == 9);
    CHECK(out.counter == 9);
    CHECK(out.node == "keep");
  }
}
}  // namespace test_hlc
