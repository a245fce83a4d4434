// Fuzz target: the persistence-record loader. Input is the record array the shim reads back from
// IndexedDB (possibly torn or tampered with). Invariants: no crash or abort; a refused restore
// leaves the core fresh; an accepted one exports records that restore to the same records (a
// fixed point), and the core keeps working (mutate, go online, answer the in-flight batch).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::json freshRecords = fuzz::freshClient().exportRecords();

  fuzz::json records;
  syncore::ParseLimits limits;
  limits.maxBytes = 1u << 20;
  if (!syncore::parseJson(fuzz::asText(data, size), records, limits)) return 0;

  fuzz::SyncCore core = fuzz::freshClient();
  fuzz::Commit commit;
  syncore::Status s = core.restore(records, commit);
  if (!s) {
    fuzz::require(core.exportRecords() == freshRecords, "a refused restore changed the state", s.message);
    return 0;
  }
  fuzz::requireRestorable(core, "restored state does not restore again");

  fuzz::Commit more;
  std::string id;
  (void)core.mutate({{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "after"}}}}, 5000, more, id);
  (void)core.mutate({{"collection", "todos"}, {"op", "update"}, {"id", "a"}, {"patch", {{"x", 1}}}}, 5001, more, id);
  fuzz::requireOk(core.setOnline(true, 5002, more), "online after restore");
  // Answer whatever went out: ack every sent mutation, as a server would.
  fuzz::json ops = fuzz::json::array();
  for (const fuzz::json& e : toJsonList(more.effects))
    if (e["type"] == "send")
      for (const fuzz::json& m : e["mutations"])
        if (m.is_object() && m.contains("key") && m["key"].is_string())
          ops.push_back({{"op", "ack"}, {"key", m["key"]}, {"version", 100}});
  fuzz::Commit acked;
  fuzz::requireOk(core.applyServer(ops, 5003, acked), "acking the sent batch");
  fuzz::requireOk(core.tick(1000000, acked), "tick after restore");
  fuzz::requireRestorable(core, "state after follow-up work does not restore");
  return 0;
}
