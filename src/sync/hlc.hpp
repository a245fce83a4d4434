// Hybrid logical clock (Kulkarni et al.): timestamps that follow wall time when clocks behave and
// stay strictly monotonic when they do not. Last-write-wins orders writes by these, never by raw
// client wall time. The core never reads a clock: every call takes the current wall time.
#pragma once
#include <cstdint>
#include <string>

#include "base/json_util.hpp"

namespace syncore {

struct HlcTimestamp {
  std::int64_t wallMs = 0;    // physical part: milliseconds since the epoch
  std::uint32_t counter = 0;  // logical part: orders events within one millisecond
  std::string node;           // the issuing node; breaks exact ties so the order is total
};

// Negative, zero or positive as a is before, equal to or after b (wall, then counter, then node).
int compareHlc(const HlcTimestamp& a, const HlcTimestamp& b);

// {"wall":<int>,"counter":<int>,"node":"<text>"}. hlcFromJson returns false (out untouched) for
// anything else: wrong types, a negative wall, a counter outside 32 bits.
json hlcToJson(const HlcTimestamp& t);
bool hlcFromJson(const json& value, HlcTimestamp& out);

// `remote` with its wall capped at wallMs + maxDriftMs: what receive() merges, and what a caller
// should order a remote write by, so one client whose clock says 2099 cannot win every later
// last-write-wins comparison.
HlcTimestamp clampHlc(const HlcTimestamp& remote, std::int64_t wallMs, std::int64_t maxDriftMs);

class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(std::string node, std::int64_t maxDriftMs = 60'000);

  // A local event at wall time wallMs; always after every timestamp issued or received before.
  HlcTimestamp tick(std::int64_t wallMs);

  // Merges a remote timestamp (clamped, see clampHlc) and returns the local event that follows it.
  HlcTimestamp receive(const HlcTimestamp& remote, std::int64_t wallMs);

  const HlcTimestamp& last() const { return last_; }

  // Resumes from a persisted last(). Only moves forward, so restoring a stale copy cannot make the
  // clock repeat timestamps; the node stays this clock's own.
  void restore(const HlcTimestamp& t);

  const std::string& node() const { return last_.node; }
  std::int64_t maxDriftMs() const { return maxDriftMs_; }

 private:
  HlcTimestamp last_;
  std::int64_t maxDriftMs_;
};

}  // namespace syncore
