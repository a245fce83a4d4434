// A call's outcome. The core never throws: every fallible call returns a Status (its code from
// vocabulary.hpp), and the bindings turn a failed Status into a typed SyncError on the JS side.
#pragma once
#include <string>
#include <utility>

#include "vocabulary.hpp"

namespace syncore {

struct Status {
  ErrorCode code = ErrorCode::Ok;
  std::string message;

  static Status ok() { return {}; }
  static Status error(ErrorCode c, std::string msg) { return {c, std::move(msg)}; }
  bool isOk() const { return code == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
};

}  // namespace syncore
