// Small helpers for the sync tests: a configured core and one-line calls.
#pragma once
#include <catch2/catch.hpp>

#include <string>

#include "sync/sync_core.hpp"

namespace synctest {

using syncore::Commit;
using syncore::json;
using syncore::SyncCore;

inline SyncCore makeClient(const json& todosOptions = json::object(), bool persist = true) {
  SyncCore core;
  REQUIRE(core.defineCollection("todos", todosOptions).isOk());
  REQUIRE(core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", persist}}).isOk());
  return core;
}

inline std::string mutate(SyncCore& core, json request, std::int64_t now = 1000, Commit* commit = nullptr) {
  Commit local;
  std::string id;
  syncore::Status s = core.mutate(request, now, commit != nullptr ? *commit : local, id);
  INFO(s.message);
  REQUIRE(s.isOk());
  return id;
}

inline Commit server(SyncCore& core, const char* text, std::int64_t now = 1000) {
  Commit commit;
  syncore::Status s = core.applyServer(json::parse(text), now, commit);
  INFO(s.message);
  REQUIRE(s.isOk());
  return commit;
}

inline Commit server(SyncCore& core, const json& batch, std::int64_t now = 1000) {
  Commit commit;
  syncore::Status s = core.applyServer(batch, now, commit);
  INFO(s.message);
  REQUIRE(s.isOk());
  return commit;
}

inline json view(const SyncCore& core, const std::string& id, const std::string& collection = "todos") {
  syncore::EntityRef e;
  REQUIRE(core.get(collection, id, e).isOk());
  return e != nullptr ? *e : json(nullptr);
}

inline Commit goOnline(SyncCore& core, std::int64_t now = 1000) {
  Commit commit;
  REQUIRE(core.setOnline(true, now, commit).isOk());
  return commit;
}

// The effects of one type, in order.
inline std::vector<json> effectsOf(const Commit& c, const std::string& type) {
  std::vector<json> out;
  for (const json& e : toJsonList(c.effects))
    if (e["type"] == type) out.push_back(e);
  return out;
}

// The mutations sent in a commit, flattened.
inline std::vector<json> sent(const Commit& c) {
  std::vector<json> out;
  for (const json& e : effectsOf(c, "send"))
    for (const json& m : e["mutations"]) out.push_back(m);
  return out;
}

inline std::vector<json> settled(const Commit& c, const std::string& status) {
  std::vector<json> out;
  for (const json& e : toJsonList(c.events))
    if (e["type"] == "settled" && e["status"] == status) out.push_back(e);
  return out;
}

}  // namespace synctest
