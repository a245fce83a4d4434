#include "sync/hlc.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace syncore {

namespace {

constexpr std::int64_t kMaxWall = std::numeric_limits<std::int64_t>::max();
constexpr std::uint32_t kMaxCounter = std::numeric_limits<std::uint32_t>::max();

std::int64_t saturatingAdd(std::int64_t a, std::int64_t nonNegative) {
  return a > kMaxWall - nonNegative ? kMaxWall : a + nonNegative;
}

// The next logical step at t's wall time. An exhausted counter borrows the next millisecond so
// the order stays strict rather than wrapping around.
void bump(HlcTimestamp& t) {
  if (t.counter < kMaxCounter) {
    ++t.counter;
  } else if (t.wallMs < kMaxWall) {
    ++t.wallMs;
    t.counter = 0;
  }
}

}  // namespace

int compareHlc(const HlcTimestamp& a, const HlcTimestamp& b) {
  if (a.wallMs != b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.counter != b.counter) return a.counter < b.counter ? -1 : 1;
  const int byNode = a.node.compare(b.node);
  return byNode < 0 ? -1 : (byNode > 0 ? 1 : 0);
}

json hlcToJson(const HlcTimestamp& t) {
  return json{{"wall", t.wallMs}, {"counter", t.counter}, {"node", t.node}};
}

bool hlcFromJson(const json& value, HlcTimestamp& out) {
  if (!value.is_object()) return false;
  const auto wall = value.find("wall");
  const auto counter = value.find("counter");
  const auto node = value.find("node");
  if (wall == value.end() || counter == value.end() || node == value.end()) return false;
  std::int64_t wallMs = 0;
  std::int64_t count = 0;
  if (!int64FromJson(*wall, wallMs) || wallMs < 0) return false;
  if (!int64FromJson(*counter, count) || count < 0 || count > kMaxCounter) return false;
  if (!node->is_string()) return false;
  out.wallMs = wallMs;
  out.counter = static_cast<std::uint32_t>(count);
  out.node = node->get_ref<const std::string&>();
  return true;
}

HlcTimestamp clampHlc(const HlcTimestamp& remote, std::int64_t wallMs, std::int64_t maxDriftMs) {
  HlcTimestamp clamped = remote;
  const std::int64_t limit = saturatingAdd(wallMs, std::max<std::int64_t>(0, maxDriftMs));
  if (clamped.wallMs > limit) clamped.wallMs = limit;
  return clamped;
}

HybridLogicalClock::HybridLogicalClock(std::string node, std::int64_t maxDriftMs)
    : maxDriftMs_(std::max<std::int64_t>(0, maxDriftMs)) {
  last_.node = std::move(node);
}

HlcTimestamp HybridLogicalClock::tick(std::int64_t wallMs) {
  if (wallMs > last_.wallMs) {
    last_.wallMs = wallMs;
    last_.counter = 0;
  } else {
    bump(last_);  // wall clock stalled or went backwards: advance logically
  }
  return last_;
}

HlcTimestamp HybridLogicalClock::receive(const HlcTimestamp& remote, std::int64_t wallMs) {
  const HlcTimestamp r = clampHlc(remote, wallMs, maxDriftMs_);
  const std::int64_t top = std::max({last_.wallMs, r.wallMs, wallMs});
  if (top == last_.wallMs && top == r.wallMs) {
    last_.counter = std::max(last_.counter, r.counter);
    bump(last_);
  } else if (top == last_.wallMs) {
    bump(last_);
  } else if (top == r.wallMs) {
    last_.wallMs = top;
    last_.counter = r.counter;
    bump(last_);
  } else {
    last_.wallMs = top;
    last_.counter = 0;
  }
  return last_;
}

void HybridLogicalClock::restore(const HlcTimestamp& t) {
  if (t.wallMs > last_.wallMs || (t.wallMs == last_.wallMs && t.counter > last_.counter)) {
    last_.wallMs = t.wallMs;
    last_.counter = t.counter;
  }
}

}  // namespace syncore
