// Decoding of a server batch (upserts, deletes, bulk loads) into validated operations. Decoding
// checks everything first so that applying can never fail half-way.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "collection.hpp"
#include "errors.hpp"
#include "json_util.hpp"

namespace syncore {

struct ServerWrite {
  enum class Kind { Upsert, Delete } kind = Kind::Upsert;
  Collection* collection = nullptr;
  std::string id;
  std::int64_t version = 0;
  json* data = nullptr;  // points into the decoded batch; moved out when applied
};

struct ServerBatch {
  std::vector<ServerWrite> writes;
  bool hasCursor = false;
  std::int64_t cursor = 0;
};

using CollectionLookup = std::function<Collection*(const std::string&)>;

// batch is kept alive by the caller: the decoded writes point into it.
Status decodeServerBatch(json& batch, const CollectionLookup& lookup, ServerBatch& out);

}  // namespace syncore
