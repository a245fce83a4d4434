// Fuzz target: the wire-message decoder. Whatever text arrives from the server is parsed with
// the core's limits and given to applyServer on a client with pending and in-flight work.
// Invariants: no crash or abort; a refused batch changes nothing (the persisted records are the
// same); an accepted batch leaves state that exports and restores to the same records; the text
// path (applyServerText: entities written as canonical text, no tree) does what the tree path does.
#include "fuzz_support.hpp"
#include "wire/commit_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::SyncCore seeded = fuzz::seededClient();
  static const fuzz::json seededRecords = seeded.exportRecords();

  fuzz::json batch;
  syncore::ParseLimits limits;
  limits.maxBytes = 1u << 20;
  if (!syncore::parseJson(fuzz::asText(data, size), batch, limits)) return 0;

  fuzz::SyncCore core = fuzz::seededClient();
  fuzz::Commit commit;
  syncore::Status s = core.applyServer(batch, 2300, commit);
  {
    fuzz::SyncCore direct = fuzz::seededClient();
    fuzz::Commit directCommit;
    syncore::Status d = direct.applyServerText(fuzz::asText(data, size), 2300, directCommit);
    fuzz::require(d.code == s.code && d.message == s.message, "the text path answered otherwise", d.message);
    fuzz::require(direct.exportRecords() == core.exportRecords(), "the text path stored otherwise");
    fuzz::require(syncore::commitToText(directCommit) == syncore::commitToText(commit), "the text path committed otherwise");
  }
  if (!s) {
    fuzz::require(core.exportRecords() == seededRecords, "a refused batch changed the state", s.message);
    return 0;
  }
  (void)fuzz::json(syncore::commitToJson(commit)).dump();
  fuzz::requireRestorable(core, "state after an accepted batch does not restore");
  // The core keeps working after whatever it accepted.
  fuzz::Commit more;
  std::string id;
  (void)core.mutate({{"collection", "todos"}, {"op", "create"}, {"data", {{"title", "after"}}}}, 2400, more, id);
  fuzz::requireOk(core.tick(100000, more), "tick after batch");
  fuzz::requireOk(core.setOnline(false, 100001, more), "offline after batch");
  fuzz::requireOk(core.setOnline(true, 100002, more), "online after batch");
  fuzz::requireRestorable(core, "state after follow-up work does not restore");
  return 0;
}
