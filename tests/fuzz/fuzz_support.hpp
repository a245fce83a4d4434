// Shared setup for the libFuzzer targets: a core in a realistic state (collections with each
// strategy, confirmed entities, pending and in-flight mutations) and a hard check that aborts with
// a message, so libFuzzer records the input that broke an invariant, not only a crash.
#pragma once
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sync/sync_core.hpp"

namespace fuzz {

using syncore::Commit;
using syncore::json;
using syncore::SyncCore;

[[noreturn]] inline void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

inline void require(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

inline void requireOk(const syncore::Status& s, const char* what) {
  if (!s) fail(what, s.message);
}

inline std::string_view asText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A fresh client with the collections the targets use; no data.
inline SyncCore freshClient() {
  SyncCore core;
  requireOk(core.defineCollection("todos", {{"strategy", "server-wins"}}), "define todos");
  requireOk(core.defineCollection("notes", {{"strategy", "last-write-wins"}}), "define notes");
  requireOk(core.defineCollection("docs", {{"strategy", "merge"}}), "define docs");
  requireOk(core.defineCollection("cards", {{"strategy", "manual"}}), "define cards");
  requireOk(core.defineCollection("users", {{"idField", "uid"}, {"strategy", "client-wins"}}), "define users");
  requireOk(core.configureClient({{"clientId", "fz"}, {"seed", 1}, {"persist", true}, {"batchSize", 2}}),
            "configure");
  return core;
}

// A client with confirmed entities, a pending create (temp id tmp-fz-...), updates and a delete
// in flight, so acks, conflicts, renames and rebases all have something to act on.
inline SyncCore seededClient() {
  SyncCore core = freshClient();
  Commit c;
  requireOk(core.applyServer(json::parse(R"({"cursor": 3, "ops": [
    {"op":"load","collection":"todos","entities":[{"id":"a","version":1,"data":{"title":"A","done":false,"tags":["x"]}},
                                                   {"id":"b","version":2,"data":{"title":"B","meta":{"n":1}}}]},
    {"op":"upsert","collection":"notes","id":"n1","version":1,"data":{"text":"hi"},"ts":{"wall":1000,"counter":0,"node":"s"}},
    {"op":"upsert","collection":"docs","id":"d1","version":1,"data":{"body":"x","meta":{"a":1,"b":2}}},
    {"op":"upsert","collection":"cards","id":"k1","version":1,"data":{"col":"todo"}},
    {"op":"upsert","collection":"users","version":1,"data":{"uid":"u1","name":"U"}}]})"),
                            2000, c),
            "seed load");
  std::string id;
  const json requests[] = {
      {{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "new"}}}},
      {{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"done", true}}}},
      {{"collection", "notes"}, {"op", "update"}, {"id", "n1"}, {"patch", {{"text", "local"}}}},
      {{"collection", "docs"}, {"op", "update"}, {"id", "d1"}, {"patch", {{"meta", {{"a", 5}}}}}},
      {{"collection", "cards"}, {"op", "update"}, {"id", "k1"}, {"patch", {{"col", "done"}}}},
      {{"collection", "users"}, {"op", "update"}, {"id", "u1"}, {"patch", {{"name", "V"}}}},
      {{"collection", "todos"}, {"op", "delete"}, {"id", "b"}},
  };
  for (const json& r : requests) requireOk(core.mutate(r, 2100, c, id), "seed mutate");
  requireOk(core.setOnline(true, 2200, c), "online");  // the first batch goes in flight
  return core;
}

// Records in a canonical order (the export walks hash-ordered collections) and, if only is
// given, of that store alone.
inline json canonical(const json& records, const char* only = nullptr) {
  std::vector<std::pair<std::string, json>> keyed;
  for (const json& r : records)
    if (only == nullptr || r["store"] == only) keyed.emplace_back(r["store"].dump() + r["key"].dump(), r);
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::array();
  for (auto& [k, r] : keyed) out.push_back(std::move(r));
  return out;
}

// Persisted state must always read back: the export restores into a fresh core with the same
// entities, outbox keys, dead letters and conflicts (a restart turns in-flight entries back into
// queued ones, so those are compared by key only), and a second round trip is a fixed point.
inline void requireRestorable(const SyncCore& core, const char* when) {
  const json records = core.exportRecords();
  SyncCore again = freshClient();
  Commit c;
  syncore::Status s = again.restore(records, c);
  if (!s) fail(when, s.message + "\n" + records.dump());
  const json back = again.exportRecords();
  for (const char* store : {"entities", "deadLetters", "conflicts"})
    require(canonical(back, store) == canonical(records, store), when,
            std::string("store ") + store + " differs after restore:\n" + records.dump() + "\n" + back.dump());
  json keysBefore = json::array(), keysAfter = json::array();
  for (const json& r : canonical(records, "outbox")) keysBefore.push_back(r["value"]["key"]);
  for (const json& r : canonical(back, "outbox")) keysAfter.push_back(r["value"]["key"]);
  require(keysBefore == keysAfter, when, "outbox differs after restore:\n" + records.dump() + "\n" + back.dump());
  SyncCore third = freshClient();
  s = third.restore(back, c);
  if (!s) fail(when, "second restore: " + s.message + "\n" + back.dump());
  require(canonical(third.exportRecords()) == canonical(back), when,
          "second round trip is not a fixed point:\n" + back.dump() + "\n" + third.exportRecords().dump());
}

}  // namespace fuzz
