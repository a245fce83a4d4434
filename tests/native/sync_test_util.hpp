// Small helpers for the sync tests: a configured core and one-line calls.
#pragma once
#include <catch2/catch.hpp>

#include <map>
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

// "todos" and "notes", not persisted: the commit and remote-write tests over two collections.
inline SyncCore twoCollections() {
  SyncCore core;
  REQUIRE(core.defineCollection("todos", json::object()).isOk());
  REQUIRE(core.defineCollection("notes", json::object()).isOk());
  REQUIRE(core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", false}}).isOk());
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

// A stand-in for IndexedDB: applies persist effects in order, as the shim does, keyed by store and
// key (the restart, resync, id-block, queue-control, dead-letter and query-index tests share it).
struct PersistedRecords {
  std::map<std::string, json> records;  // store + "|" + key -> record
  void apply(const Commit& c) {
    for (const json& e : toJsonList(c.effects)) {
      if (e["type"] != "persist") continue;
      for (const json& r : e["delete"]) records.erase(r["store"].get<std::string>() + "|" + r["key"].dump());
      for (const json& r : e["put"]) records[r["store"].get<std::string>() + "|" + r["key"].dump()] = r;
    }
  }
  json all() const {
    json out = json::array();
    for (const auto& [k, r] : records) out.push_back(r);
    return out;
  }
  std::size_t count(const std::string& store) const {
    std::size_t n = 0;
    for (const auto& [k, r] : records) n += r["store"] == store ? 1 : 0;
    return n;
  }
};

// A new core restored from the records, as a reload does. clientId is what the new run would be
// configured with; the restored meta record's id wins over it.
inline SyncCore reopen(const PersistedRecords& storage, const json& todos = json::object(),
                       const std::string& clientId = "c1") {
  SyncCore core;
  REQUIRE(core.defineCollection("todos", todos).isOk());
  REQUIRE(core.configureClient({{"clientId", clientId}, {"seed", 9}, {"persist", true}}).isOk());
  Commit c;
  syncore::Status s = core.restore(storage.all(), c);
  INFO(s.message);
  REQUIRE(s.isOk());
  return core;
}

}  // namespace synctest
