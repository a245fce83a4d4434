// What the temp-id tests share (test_temp_id_refs.cpp, test_temp_id_waits.cpp): a client that
// pushes a given number of entries at a time, the same client restored from its records, a create
// and the id it made, the ack of a sent entry, and an outbox entry appended in one call.
#pragma once
#include <cstdint>
#include <string>

#include "sync/outbox.hpp"
#include "sync_test_util.hpp"

namespace temp_id_fixture {

using syncore::Commit;
using syncore::json;
using syncore::SyncCore;

// Client "c1", persisting, pushing batchSize entries per batch (and at most maxInFlightBatches
// batches at once when that is above 0).
inline json clientConfig(std::uint64_t seed, int batchSize, int maxInFlightBatches = 0) {
  json config = {{"clientId", "c1"}, {"seed", seed}, {"persist", true}, {"batchSize", batchSize}};
  if (maxInFlightBatches > 0) config["maxInFlightBatches"] = maxInFlightBatches;
  return config;
}

// synctest::makeClient, then configured with `config`.
inline SyncCore configuredClient(const json& config) {
  SyncCore core = synctest::makeClient();
  REQUIRE(core.configureClient(config).isOk());
  return core;
}

// A new core with the todos collection and `config`, restored from `records` (a restart).
inline SyncCore restoredClient(const json& records, const json& config) {
  SyncCore restored;
  REQUIRE(restored.defineCollection("todos", json::object()).isOk());
  REQUIRE(restored.configureClient(config).isOk());
  Commit commit;
  REQUIRE(restored.restore(records, commit).isOk());
  return restored;
}

// The id the commit's (first) create in todos gave its entity.
inline std::string created(const Commit& c) { return c.changes.collections.at("todos").created.at(0); }

// Creates a todo with `data` and no id (the core names it with a temp id, tmp-…); returns that id.
inline std::string createTodo(SyncCore& core, json data) {
  Commit made;
  synctest::mutate(core, {{"collection", "todos"}, {"op", "create"}, {"data", std::move(data)}}, 1000, &made);
  return created(made);
}

// The server's ack of a sent entry, naming the entity `id`.
inline json ack(const json& sentMutation, const std::string& id) {
  return json::array({{{"op", "ack"}, {"key", sentMutation["key"]}, {"id", id}, {"version", 1}}});
}

// Appends a mutation of `kind` on todos/`id` with `payload` to the outbox; returns its seq.
inline std::uint64_t enqueue(syncore::Outbox& box, const std::string& id, syncore::MutationKind kind, json payload) {
  syncore::OutboxMutation m;
  m.mutationId = "m-" + id;
  m.collection = "todos";
  m.entityId = id;
  m.kind = kind;
  m.payload = std::move(payload);
  auto r = box.enqueue(std::move(m));
  REQUIRE(r.status.isOk());
  return r.seq;
}

}  // namespace temp_id_fixture
