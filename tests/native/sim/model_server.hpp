// The deterministic simulation's model sync server: per collection an entity map with versions,
// a global change cursor, an idempotency table (key -> the answer it gave), version checks that
// answer conflicts, fan-out of every applied change, and catch-up from a cursor. It also keeps
// the books the simulation's checks read: how often each key was applied, in which order, which
// temp ids produced a server entity, and any protocol violation it saw.
//
// Written independently of the core on purpose: merge patches are applied with nlohmann's own
// json::merge_patch, never with the core's helpers, so a shared bug cannot hide.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/json_util.hpp"
#include "base/prng.hpp"

namespace sim {

using syncore::json;

inline bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Typed reads that never abort (the build defines JSON_NOEXCEPTION: a bad access would abort).
inline std::string str(const json& obj, const char* field) {
  if (!obj.is_object()) return {};
  auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}
inline std::int64_t num(const json& obj, const char* field, std::int64_t fallback = -1) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(field);
  std::int64_t v = fallback;
  if (it != obj.end() && syncore::int64FromJson(*it, v)) return v;
  return fallback;
}
inline json field(const json& obj, const char* name) {
  if (!obj.is_object()) return json();
  auto it = obj.find(name);
  return it == obj.end() ? json() : *it;
}

class ModelServer {
 public:
  struct Entity {
    json data;                  // live entity (null for a tombstone)
    std::int64_t version = 0;
    bool deleted = false;
    std::string lastKey;        // the mutation key of the last write (the "origin")
    json ts;                    // that write's HLC timestamp (or null)
  };
  struct Applied {              // one applied mutation, in server order
    std::string key, client, collection, id, kind;
  };
  struct Faults {
    double transient = 0;       // answered reject/transient, not applied, not remembered
    double auth = 0;            // answered reject/auth, not applied, not remembered
    double validation = 0;      // answered reject/validation, remembered for the key
  };
  struct PushResult {
    json answers = json::array();  // one answer per mutation
    json feed = json::array();     // the applied changes, as fan-out operations
    std::int64_t from = 0, to = 0; // cursor before / after
  };

  std::map<std::string, std::map<std::string, Entity>> store;  // collection -> id -> entity
  std::int64_t cursor = 0;
  std::vector<std::pair<std::string, std::string>> changes;    // changes[c-1]: what cursor c changed
  std::map<std::string, json> answers;                         // idempotency table
  std::map<std::string, json> firstSeen;                       // key -> the mutation as first received
  std::map<std::string, int> applyCount;                       // key -> times applied (must be <= 1)
  std::vector<Applied> applied;
  std::map<std::string, int> createsFromTempId;                // "client/tmp-id" -> server entities made
  std::vector<std::string> violations;                         // protocol violations seen
  std::uint64_t nextId = 1;
  bool ackData = true;         // acks carry the entity (else the client folds its own change)
  bool storeConflicts = true;  // a conflict answer is remembered under its key (else re-evaluated)
  // The server's clock (virtual time) and the drift it tolerates: a write stamped further ahead
  // is stored with its wall clamped to now + maxDriftMs, so a client whose clock says 2099 cannot
  // win every later last-write-wins comparison with that write (docs/protocol.md).
  std::int64_t now = 0;
  std::int64_t maxDriftMs = 60'000;
  std::uint64_t clampedTs = 0;
  std::uint64_t received = 0, duplicates = 0, conflicts = 0, rejected = 0;

  void defineCollection(const std::string& name) { store[name]; }

  // A push from `client`: every mutation answered in order.
  PushResult push(const std::string& client, const json& mutations, syncore::Prng& rng, const Faults& faults) {
    PushResult out;
    out.from = cursor;
    if (!mutations.is_array()) {
      violations.push_back("push from " + client + " is not an array");
      out.to = cursor;
      return out;
    }
    for (const json& m : mutations) out.answers.push_back(apply(client, m, rng, faults, out.feed));
    out.to = cursor;
    return out;
  }

  // Changes after `since`, newest state per entity, in the order of their last change; or (snapshot)
  // every entity, tombstones included. Either way with the current cursor.
  json catchUp(std::int64_t since, bool snapshot) const {
    json ops = json::array();
    if (snapshot || since < 0) {
      for (const auto& [collection, entities] : store)
        for (const auto& [id, e] : entities) ops.push_back(changeOp(collection, id, e));
    } else {
      std::map<std::pair<std::string, std::string>, std::int64_t> last;
      for (std::int64_t c = since + 1; c <= cursor; ++c) last[changes[static_cast<std::size_t>(c - 1)]] = c;
      std::vector<std::pair<std::int64_t, std::pair<std::string, std::string>>> order;
      for (const auto& [key, c] : last) order.push_back({c, key});
      std::sort(order.begin(), order.end());
      for (const auto& [c, key] : order)
        ops.push_back(changeOp(key.first, key.second, store.at(key.first).at(key.second)));
    }
    return ops;
  }

  // The live entities of a collection, sorted by id: what every client's list() must equal.
  json liveList(const std::string& collection) const {
    json out = json::array();
    auto it = store.find(collection);
    if (it == store.end()) return out;
    for (const auto& [id, e] : it->second)
      if (!e.deleted) out.push_back(e.data);
    return out;
  }

  std::size_t liveCount() const {
    std::size_t n = 0;
    for (const auto& [c, entities] : store)
      for (const auto& [id, e] : entities) n += e.deleted ? 0 : 1;
    return n;
  }

 private:
  static bool chance(syncore::Prng& rng, double p) {
    return p > 0 && rng.uniform(0, 999'999) < static_cast<std::int64_t>(p * 1'000'000);
  }

  static json changeOp(const std::string& collection, const std::string& id, const Entity& e) {
    json op = e.deleted ? json{{"op", "delete"}, {"collection", collection}, {"id", id}, {"version", e.version}}
                        : json{{"op", "upsert"}, {"collection", collection}, {"id", id}, {"version", e.version},
                               {"data", e.data}};
    if (!e.lastKey.empty()) op["origin"] = e.lastKey;
    if (e.ts.is_object()) op["ts"] = e.ts;
    return op;
  }

  json conflictAnswer(const std::string& key, const Entity* e) {
    ++conflicts;
    json a = {{"op", "conflict"}, {"key", key}, {"version", e != nullptr ? e->version : 0},
              {"data", e != nullptr && !e->deleted ? e->data : json(nullptr)}};
    if (e != nullptr && e->ts.is_object()) a["ts"] = e->ts;
    return a;
  }

  void record(const std::string& client, const std::string& key, const std::string& collection,
              const std::string& id, const std::string& kind, Entity& e, const json& ts, json& feed) {
    e.lastKey = key;
    e.ts = ts.is_object() ? ts : json();
    if (e.ts.is_object() && e.ts.contains("wall") && e.ts["wall"].is_number_integer() &&
        e.ts["wall"].get<std::int64_t>() > now + maxDriftMs) {
      e.ts["wall"] = now + maxDriftMs;
      ++clampedTs;
    }
    ++cursor;
    changes.push_back({collection, id});
    ++applyCount[key];
    applied.push_back({key, client, collection, id, kind});
    feed.push_back(changeOp(collection, id, e));
  }

  json apply(const std::string& client, const json& m, syncore::Prng& rng, const Faults& faults, json& feed) {
    ++received;
    const std::string key = str(m, "key");
    const std::string collection = str(m, "collection");
    const std::string id = str(m, "id");
    const std::string kind = str(m, "kind");
    const json data = field(m, "data");
    const std::int64_t baseVersion = num(m, "baseVersion", -1);
    const json ts = field(m, "ts");
    if (key.empty() || collection.empty() || id.empty() || (kind != "create" && kind != "update" && kind != "delete")) {
      violations.push_back("malformed mutation from " + client + ": " + m.dump());
      return {{"op", "reject"}, {"key", key.empty() ? "?" : key}, {"class", "validation"}, {"message", "malformed"}};
    }
    if (!startsWith(key, (client + ":").c_str()))
      violations.push_back("key " + key + " pushed by " + client + " is not one of its keys");
    // A key names one mutation forever: a resend must carry exactly what was first sent.
    json signature = {{"collection", collection}, {"id", id}, {"kind", kind}, {"data", data},
                      {"baseVersion", baseVersion}, {"ts", ts}};
    auto seen = firstSeen.find(key);
    if (seen == firstSeen.end()) firstSeen.emplace(key, signature);
    else if (seen->second != signature)
      violations.push_back("key " + key + " re-sent with another payload: first " + seen->second.dump() +
                           ", now " + signature.dump());
    if (auto known = answers.find(key); known != answers.end()) {
      ++duplicates;
      return known->second;
    }
    if (store.count(collection) == 0) {
      violations.push_back("mutation " + key + " for unknown collection " + collection);
      return {{"op", "reject"}, {"key", key}, {"class", "validation"}, {"message", "unknown collection"}};
    }
    if (chance(rng, faults.transient)) {
      ++rejected;
      return {{"op", "reject"}, {"key", key}, {"class", "transient"}, {"message", "503 try later"}};
    }
    if (chance(rng, faults.auth)) {
      ++rejected;
      return {{"op", "reject"}, {"key", key}, {"class", "auth"}, {"message", "401 token expired"}};
    }
    // Validation: a content rule (deterministic) and a random fraction, both remembered.
    const bool invalidContent = data.is_object() && data.contains("title") && data["title"] == "INVALID";
    if (kind != "delete" && (invalidContent || chance(rng, faults.validation))) {
      ++rejected;
      json a = {{"op", "reject"}, {"key", key}, {"class", "validation"}, {"message", "422 invalid"}};
      answers[key] = a;
      return a;
    }
    auto& entities = store[collection];
    json answer;
    if (kind == "create") {
      if (!data.is_object()) {
        violations.push_back("create " + key + " without an object");
        return {{"op", "reject"}, {"key", key}, {"class", "validation"}, {"message", "no data"}};
      }
      std::string sid = id;
      if (startsWith(id, "tmp-")) {
        sid = "s" + std::to_string(nextId++);
        ++createsFromTempId[client + "/" + id];
      }
      auto it = entities.find(sid);
      if (it != entities.end() && !it->second.deleted) {
        answer = conflictAnswer(key, &it->second);
      } else {
        Entity& e = entities[sid];
        e.version = e.version + 1;
        e.deleted = false;
        e.data = data;
        e.data["id"] = sid;
        record(client, key, collection, sid, kind, e, ts, feed);
        answer = {{"op", "ack"}, {"key", key}, {"id", sid}, {"version", e.version}};
        if (ackData) answer["data"] = e.data;
      }
    } else {
      auto it = entities.find(id);
      Entity* e = it == entities.end() ? nullptr : &it->second;
      if (e == nullptr || e->deleted || e->version != baseVersion) {
        // A temp id names an entity only until its create's ack: an edit must never go out under
        // one (it would be an edit of nothing, or of a duplicate).
        if (startsWith(id, "tmp-") && e == nullptr)
          violations.push_back(kind + " " + key + " sent for temp id " + id + " that the server never assigned");
        answer = conflictAnswer(key, e);
      } else if (kind == "update") {
        if (!data.is_object()) {
          violations.push_back("update " + key + " without a patch object");
          return {{"op", "reject"}, {"key", key}, {"class", "validation"}, {"message", "no patch"}};
        }
        e->data.merge_patch(data);
        e->data["id"] = id;
        ++e->version;
        record(client, key, collection, id, kind, *e, ts, feed);
        answer = {{"op", "ack"}, {"key", key}, {"version", e->version}};
        if (ackData) answer["data"] = e->data;
      } else {
        e->deleted = true;
        e->data = nullptr;
        ++e->version;
        record(client, key, collection, id, kind, *e, ts, feed);
        answer = {{"op", "ack"}, {"key", key}, {"version", e->version}};
      }
    }
    if (str(answer, "op") != "conflict" || storeConflicts) answers[key] = answer;
    return answer;
  }

};

}  // namespace sim
