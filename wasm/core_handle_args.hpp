// The argument readers every CoreHandle method shares (wasm/core_handle.cpp and
// wasm/core_handle_sync.cpp): JS numbers to times, sequence numbers and cursors, JSON text to
// values, a status to its envelope. Each that fails says why with its own error code.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core_handle.hpp"
#include "sync/sync_core.hpp"
#include "wire/envelope.hpp"
#include "wire/json_fast.hpp"

namespace syncore::handle_args {

constexpr double kMaxSafeInteger = 9007199254740991.0;

inline Status wrongType(std::string message) { return Status::error(ErrorCode::WrongType, std::move(message)); }

// Time and versions arrive as JS numbers; only finite integral values are meaningful.
inline bool integralNumber(double v, std::int64_t& out) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > kMaxSafeInteger) return false;
  out = static_cast<std::int64_t>(v);
  return true;
}

inline Status readTime(double nowMs, std::int64_t& out) { return syncore::readJsTime(nowMs, out); }

inline Status readSeq(double v, std::uint64_t& out) {
  if (!std::isfinite(v) || v < 0 || v != std::floor(v) || v > kMaxSafeInteger) return wrongType("seq must be a sequence number");
  out = static_cast<std::uint64_t>(v);
  return Status::ok();
}

inline Status readBatchId(double v, std::uint32_t& out) {
  std::uint64_t id = 0;
  if (!readSeq(v, id) || id > 0xffffffffu) return wrongType("batch must be a batch id");
  out = static_cast<std::uint32_t>(id);
  return Status::ok();
}

inline Status readCursor(double v, std::int64_t& out) {
  if (!std::isfinite(v) || v != std::floor(v) || v < 0 || v > kMaxSafeInteger)
    return wrongType("cursor must be a non-negative integer");
  out = static_cast<std::int64_t>(v);
  return Status::ok();
}

// parseJson's result, strings copied in runs; the envelope may nest a little deeper than the
// data in it (the core checks the data's own depth on every path).
inline Status readJson(const SyncCore& core, std::string_view text, json& out) {
  return parseJsonFast(text, out, core.limits().forText());
}

// Several JSON texts in one string, one a line (wasm/core_handle_sync.cpp).
std::vector<std::string_view> splitLines(std::string_view text);

// Statuses as envelopes.
inline std::string answer(const Status& s) { return s ? envelopeOk() : envelopeError(s); }

}  // namespace syncore::handle_args
