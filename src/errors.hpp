// Error codes that cross the wasm boundary. The core never throws: every fallible call returns a
// Status, and the bindings turn a failed Status into a typed SyncError on the JS side.
#pragma once
#include <string>
#include <utility>

namespace syncore {

enum class ErrorCode {
  Ok = 0,
  BadJson,            // text is not valid JSON (or not valid UTF-8)
  WrongType,          // a field has the wrong JSON type
  MissingId,          // an entity or operation carries no usable id
  IdMismatch,         // the operation's id and the entity's id field disagree
  UnknownCollection,  // the collection was never defined
  UnknownOp,          // an operation name the core does not know
  BadQuery,           // a query spec that cannot be evaluated
  UnknownQuery,       // a live-query handle that does not exist (or was closed)
  UnknownSubscription,
  TooLarge,           // input over the configured size limit
  TooDeep,            // nesting deeper than the configured limit
  InvalidArgument,    // any other malformed argument
  NotFound,           // the entity (or conflict, or dead letter) does not exist
  AlreadyExists,      // a create for an id that is already in the view
  NotConfigured,      // a call that needs configureClient first
  CorruptRecord,      // a persisted record that cannot be read back
};

const char* errorCodeName(ErrorCode code);

struct Status {
  ErrorCode code = ErrorCode::Ok;
  std::string message;

  static Status ok() { return {}; }
  static Status error(ErrorCode c, std::string msg) { return {c, std::move(msg)}; }
  bool isOk() const { return code == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
};

}  // namespace syncore
