// Decoding of a server batch (remote upserts and deletes, bulk loads, renames of a temporary id,
// and the server's answers to pushed mutations: acks, rejections, conflicts) into validated
// operations. Decoding checks
// everything first so that applying can never fail half-way.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/collection.hpp"
#include "sync/outbox.hpp"
#include "base/errors.hpp"
#include "base/json_util.hpp"

namespace syncore {

struct ServerWrite {
  enum class Kind { Upsert, Delete, Ack, Reject, Conflict, Rename } kind = Kind::Upsert;
  Collection* collection = nullptr;  // upsert / delete / rename
  std::string id;                    // upsert / delete: the entity; ack: the server's id, if sent;
                                     // rename: the temporary id
  std::string to;                    // rename: the id the server gave the entity
  std::int64_t version = -1;         // -1: not given (ack of a delete, say)
  json* data = nullptr;              // points into the decoded batch; moved out when applied
  // upsert / ack decoded by the text path: the entity as canonical text instead of a tree (data
  // null then; wire/canonical_text.hpp). Empty when the data is a tree or absent.
  EntityText canonical;
  std::string key;                   // ack / reject / conflict: the mutation's idempotency key;
                                     // upsert / delete: the origin mutation's key, if any
  const json* ts = nullptr;          // the remote change's HLC timestamp, if sent
  ErrorClass errorClass = ErrorClass::Transient;  // reject
  std::string message;                            // reject

  bool hasCanonical() const { return !canonical.text.empty(); }
};

struct ServerBatch {
  std::vector<ServerWrite> writes;
  std::deque<json> values;  // decodeServerBatchText's entity data and timestamps (writes point here)
  bool hasCursor = false;
  std::int64_t cursor = 0;
};

using CollectionLookup = std::function<Collection*(const std::string&)>;

// batch is kept alive by the caller: the decoded writes point into it. Entity data deeper than
// limits.maxDepth is refused (TooDeep), whichever op carries it.
Status decodeServerBatch(json& batch, const CollectionLookup& lookup, const ParseLimits& limits,
                         ServerBatch& out);

// The same from the batch's text, without a json tree for the operations: true with `out` as
// decodeServerBatch would have made it; false (out empty) for anything it leaves to the tree path
// (invalid or refused input included: the tree path then gives the error).
bool decodeServerBatchText(std::string_view text, const CollectionLookup& lookup, const ParseLimits& limits,
                           ServerBatch& out);

}  // namespace syncore
