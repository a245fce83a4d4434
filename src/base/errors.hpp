// A call's outcome. The core never throws: every fallible call returns a Status (its code from
// vocabulary.hpp), and the bindings turn a failed Status into a typed SyncError on the JS side.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "vocabulary.hpp"

namespace syncore {

struct Status {
  ErrorCode code = ErrorCode::Ok;
  std::string message;
  // Where a persisted record failed (a restore): its store, its key as JSON text, its index in
  // the order given. Empty / -1 otherwise.
  std::string store;
  std::string key;
  std::int64_t index = -1;

  static Status ok() { return {}; }
  static Status error(ErrorCode c, std::string msg) { return {c, std::move(msg), {}, {}, -1}; }
  bool isOk() const { return code == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
};

}  // namespace syncore
