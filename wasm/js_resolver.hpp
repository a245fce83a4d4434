// A custom conflict resolver written in JS, called synchronously from the core. The JS side
// passes a function that never throws (js/ wraps the user's function in try/catch).
#pragma once
#include <emscripten/val.h>

#include "sync/conflict_resolver.hpp"

namespace syncore {

class JsResolver : public CustomResolver {
 public:
  explicit JsResolver(emscripten::val fn) : fn_(std::move(fn)) {}
  bool resolve(const ConflictCase& c, json& merged) override;

 private:
  emscripten::val fn_;
};

}  // namespace syncore
