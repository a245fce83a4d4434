#include "errors.hpp"

namespace syncore {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Ok: return "OK";
    case ErrorCode::BadJson: return "BAD_JSON";
    case ErrorCode::WrongType: return "WRONG_TYPE";
    case ErrorCode::MissingId: return "MISSING_ID";
    case ErrorCode::IdMismatch: return "ID_MISMATCH";
    case ErrorCode::UnknownCollection: return "UNKNOWN_COLLECTION";
    case ErrorCode::UnknownOp: return "UNKNOWN_OP";
    case ErrorCode::BadQuery: return "BAD_QUERY";
    case ErrorCode::UnknownQuery: return "UNKNOWN_QUERY";
    case ErrorCode::UnknownSubscription: return "UNKNOWN_SUBSCRIPTION";
    case ErrorCode::TooLarge: return "TOO_LARGE";
    case ErrorCode::TooDeep: return "TOO_DEEP";
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::NotFound: return "NOT_FOUND";
    case ErrorCode::AlreadyExists: return "ALREADY_EXISTS";
    case ErrorCode::NotConfigured: return "NOT_CONFIGURED";
    case ErrorCode::CorruptRecord: return "CORRUPT_RECORD";
  }
  return "UNKNOWN";
}

}  // namespace syncore
