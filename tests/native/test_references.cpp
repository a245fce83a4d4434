// References between entities (issue 18, item 6; docs/references.md): a mutation that names an
// entity whose create is pending is sent only after that create's ack, with the server's id; a
// reference to a create that failed is failed (REFERENCE_FAILED); an entity missing locally is
// asked for (reference-needed) and, if the server has none, its referrers fail (REFERENCE_MISSING).
#include "sync_test_util.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_references {

using namespace synctest;

namespace {

SyncCore gradebook(std::size_t maxInFlight = 2) {
  SyncCore core;
  REQUIRE(core.defineCollection("students", json::object()).isOk());
  REQUIRE(core.defineCollection("grades", {{"references", {{"studentId", "students"}}}}).isOk());
  REQUIRE(core.configureClient({{"clientId", "c1"}, {"seed", 7}, {"persist", true}, {"maxRetries", 0},
                                {"maxInFlightBatches", maxInFlight}}).isOk());
  return core;
}

std::vector<json> eventsOf(const Commit& c, const std::string& type) {
  std::vector<json> out;
  for (const json& e : toJsonList(c.events))
    if (e["type"] == type) out.push_back(e);
  return out;
}

json ack(const json& m, std::int64_t version = 1, const std::string& id = "") {
  json op = {{"op", "ack"}, {"key", m["key"]}, {"version", version}};
  if (!id.empty()) op["id"] = id;
  return json::array({op});
}

}  // namespace

TEST_CASE("references: a grade waits for its student's create to be acknowledged", "[references]") {
  SyncCore core = gradebook();
  mutate(core, {{"collection", "students"}, {"op", "create"}, {"id", "s1"}, {"data", {{"name", "Ada"}}}});
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", "s1"}, {"score", 9}}}});
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g0"}, {"data", {{"score", 1}}}});  // no reference
  Commit online = goOnline(core);
  std::vector<json> first = sent(online);
  REQUIRE(first.size() == 2);  // the student and the grade without a reference, never g1
  for (const json& m : first) CHECK(m["id"] != "g1");
  json student = first[0]["collection"] == "students" ? first[0] : first[1];
  Commit acked = server(core, ack(student));
  std::vector<json> second = sent(acked);
  REQUIRE(second.size() == 1);
  CHECK(second[0]["id"] == "g1");
  CHECK(second[0]["data"]["studentId"] == "s1");
}

TEST_CASE("references: with server ids the grade carries the student's final id, never the temp id", "[references]") {
  SyncCore core = gradebook();
  Commit made;
  mutate(core, {{"collection", "students"}, {"op", "create"}, {"data", {{"name", "Ada"}}}}, 1000, &made);
  const std::string temp = made.changes.collections.at("students").created.at(0);
  REQUIRE(temp.rfind("tmp-", 0) == 0);
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", temp}}}});
  mutate(core, {{"collection", "grades"}, {"op", "update"}, {"id", "g1"}, {"patch", {{"score", 7}}}});
  Commit online = goOnline(core);
  std::vector<json> first = sent(online);
  REQUIRE(first.size() == 1);
  CHECK(first[0]["collection"] == "students");
  Commit acked = server(core, ack(first[0], 1, "S-42"));
  std::vector<json> second = sent(acked);
  REQUIRE(second.size() == 1);
  CHECK(second[0]["id"] == "g1");
  CHECK(second[0]["data"]["studentId"] == "S-42");
  CHECK(second[0]["data"]["score"] == 7);
  CHECK(view(core, "g1", "grades")["studentId"] == "S-42");
}

TEST_CASE("references: a grade queued while its student's create is in flight waits for the ack", "[references]") {
  SyncCore core = gradebook();
  goOnline(core);
  Commit c1;
  mutate(core, {{"collection", "students"}, {"op", "create"}, {"id", "s1"}, {"data", json::object()}}, 1000, &c1);
  REQUIRE(sent(c1).size() == 1);  // in flight
  Commit c2;
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", "s1"}}}}, 1000, &c2);
  CHECK(sent(c2).empty());  // a second batch may be in flight, but not before the student's ack
  Commit acked = server(core, ack(sent(c1)[0]));
  REQUIRE(sent(acked).size() == 1);
  CHECK(sent(acked)[0]["id"] == "g1");
}

TEST_CASE("references: a student create that is dead-lettered takes its grades with it (REFERENCE_FAILED)", "[references]") {
  SyncCore core = gradebook();
  mutate(core, {{"collection", "students"}, {"op", "create"}, {"id", "s1"}, {"data", json::object()}});
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", "s1"}}}});
  mutate(core, {{"collection", "grades"}, {"op", "update"}, {"id", "g1"}, {"patch", {{"score", 3}}}}, 1001);
  Commit online = goOnline(core);
  REQUIRE(sent(online).size() == 1);
  Commit refused = server(core, json::array({{{"op", "reject"}, {"key", sent(online)[0]["key"]}, {"class", "validation"}, {"message", "no"}}}));
  CHECK(sent(refused).empty());  // the grade never goes out: it would name a row the server never made
  std::vector<json> dead = settled(refused, "dead-letter");
  REQUIRE(dead.size() == 2);  // the student, then the grade (its edit folded into its create)
  CHECK(dead[1]["code"] == "REFERENCE_FAILED");
  CHECK(view(core, "g1", "grades").is_null());  // rolled back
  CHECK(core.pendingMutations().empty());
  CHECK(core.deadLetters().size() == 2);
}

TEST_CASE("references: a grade that names a temp id whose create is gone fails at once", "[references]") {
  SyncCore core = gradebook();
  Commit made;
  mutate(core, {{"collection", "students"}, {"op", "create"}, {"data", json::object()}}, 1000, &made);
  const std::string temp = made.changes.collections.at("students").created.at(0);
  Commit online = goOnline(core);
  server(core, json::array({{{"op", "reject"}, {"key", sent(online)[0]["key"]}, {"class", "validation"}}}));
  // Queued after the student's create was dead-lettered (the app still held its temp id).
  Commit c;
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g2"}, {"data", {{"studentId", temp}}}}, 1000, &c);
  CHECK(sent(c).empty());
  REQUIRE(settled(c, "dead-letter").size() == 1);
  CHECK(settled(c, "dead-letter")[0]["code"] == "REFERENCE_FAILED");
  CHECK(eventsOf(c, "reference-needed").empty());  // a temp id is never asked of the server
}

TEST_CASE("references: a student missing locally is asked for, once, and the grade goes when it arrives", "[references]") {
  SyncCore core = gradebook();
  goOnline(core);
  Commit c;
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", "s9"}}}}, 1000, &c);
  CHECK(sent(c).empty());
  std::vector<json> asked = eventsOf(c, "reference-needed");
  REQUIRE(asked.size() == 1);
  CHECK(asked[0]["collection"] == "students");
  CHECK(asked[0]["id"] == "s9");
  Commit again;
  REQUIRE(core.tick(2000, again).isOk());
  CHECK(eventsOf(again, "reference-needed").empty());  // asked already: not again until offline
  Commit fetched = server(core, R"([{"op":"upsert","collection":"students","id":"s9","version":3,"data":{"id":"s9"}}])");
  REQUIRE(sent(fetched).size() == 1);
  CHECK(sent(fetched)[0]["id"] == "g1");
}

TEST_CASE("references: a student the server does not have fails the grade (REFERENCE_MISSING)", "[references]") {
  SyncCore core = gradebook();
  goOnline(core);
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", "s9"}}}});
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g2"}, {"data", {{"studentId", "s1"}, {"score", 1}}}});
  mutate(core, {{"collection", "grades"}, {"op", "update"}, {"id", "g2"}, {"patch", {{"studentId", "s9"}}}}, 1001);
  Commit missing;
  REQUIRE(core.referenceMissing("students", "s9", 2000, missing).isOk());
  std::vector<json> dead = settled(missing, "dead-letter");
  REQUIRE(dead.size() == 2);  // g1, and g2 (its edit coalesced into its create)
  for (const json& d : dead) CHECK(d["code"] == "REFERENCE_MISSING");
  CHECK(view(core, "g1", "grades").is_null());
  // Nothing left waits on a reference: a reconnect asks for nothing.
  Commit off;
  REQUIRE(core.setOnline(false, 3000, off).isOk());
  Commit on;
  REQUIRE(core.setOnline(true, 3000, on).isOk());
  CHECK(eventsOf(on, "reference-needed").empty());
  CHECK(core.referenceMissing("nope", "x", 3000, on).code == syncore::ErrorCode::UnknownCollection);
}

TEST_CASE("references: an answer that comes after the student was created locally fails nothing", "[references]") {
  SyncCore core = gradebook();
  goOnline(core);
  mutate(core, {{"collection", "grades"}, {"op", "create"}, {"id", "g1"}, {"data", {{"studentId", "s9"}}}});
  Commit made;
  mutate(core, {{"collection", "students"}, {"op", "create"}, {"id", "s9"}, {"data", json::object()}}, 1000, &made);
  REQUIRE(sent(made).size() == 1);
  Commit missing;
  REQUIRE(core.referenceMissing("students", "s9", 2000, missing).isOk());
  CHECK(settled(missing, "dead-letter").empty());
  Commit acked = server(core, ack(sent(made)[0]));
  REQUIRE(sent(acked).size() == 1);
  CHECK(sent(acked)[0]["id"] == "g1");
}

TEST_CASE("references: badly declared references are refused", "[references]") {
  SyncCore core;
  CHECK(core.defineCollection("grades", {{"references", {{"studentId", 3}}}}).code == syncore::ErrorCode::WrongType);
  CHECK(core.defineCollection("grades", {{"references", "students"}}).code == syncore::ErrorCode::WrongType);
  CHECK(core.defineCollection("grades", {{"references", {{"studentId", ""}}}}).code == syncore::ErrorCode::WrongType);
}
}  // namespace test_references
