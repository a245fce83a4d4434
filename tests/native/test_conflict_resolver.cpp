#include <catch2/catch.hpp>

#include <cstdint>

#include "sync/conflict_resolver.hpp"
#include "base/merge_patch.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_conflict_resolver {

using namespace syncore;

namespace {

using Outcome = Resolution::Outcome;
using Kind = LocalChange::Kind;
using Paths = std::vector<std::string>;

json J(const char* text) {
  json out;
  REQUIRE(parseJson(text, out).isOk());
  return out;
}

HlcTimestamp ts(std::int64_t wall, std::uint32_t counter, const std::string& node) {
  HlcTimestamp t;
  t.wallMs = wall;
  t.counter = counter;
  t.node = node;
  return t;
}

// A todo edited on both sides: title and meta.owner changed on both, done and meta.tags only
// locally, meta.prio only remotely.
const char* kBase = R"({"id":"1","title":"a","done":false,"meta":{"owner":"ann","tags":["x"],"prio":1}})";
const char* kRemote = R"({"id":"1","title":"b","done":false,"meta":{"owner":"bob","tags":["x"],"prio":2}})";
const char* kPatch = R"({"title":"c","done":true,"meta":{"owner":"cat","tags":["y"]}})";

ConflictCase updateCase(Strategy strategy, const char* base = kBase, const char* remote = kRemote,
                        const char* patch = kPatch) {
  ConflictCase c;
  c.collection = "todos";
  c.id = "1";
  c.base = J(base);
  c.remote = J(remote);
  c.local.kind = Kind::Update;
  c.local.patch = J(patch);
  c.local.ts = ts(1000, 0, "client");
  c.remoteTs = ts(900, 0, "server");
  c.strategy = strategy;
  return c;
}

ConflictCase deleteCase(Strategy strategy, const char* base = kBase, const char* remote = kRemote) {
  ConflictCase c = updateCase(strategy, base, remote, "{}");
  c.local.kind = Kind::Delete;
  return c;
}

// Picks a fixed answer; remembers what it was asked.
class FixedResolver : public CustomResolver {
 public:
  FixedResolver(bool decides, json answer) : decides_(decides), answer_(std::move(answer)) {}
  bool resolve(const ConflictCase& c, json& merged) override {
    ++calls;
    seenId = c.id;
    seenRemote = merged;
    if (decides_) merged = answer_;
    return decides_;
  }
  int calls = 0;
  std::string seenId;
  json seenRemote;

 private:
  bool decides_;
  json answer_;
};

const Strategy kAllStrategies[] = {Strategy::ServerWins, Strategy::ClientWins,
                                   Strategy::LastWriteWins, Strategy::Merge,
                                   Strategy::Custom, Strategy::Manual};

}  // namespace

TEST_CASE("conflict_resolver: strategy names round-trip") {
  for (Strategy s : kAllStrategies) {
    Strategy back = Strategy::Manual == s ? Strategy::ServerWins : Strategy::Manual;
    REQUIRE(strategyFromName(strategyName(s), back));
    CHECK(back == s);
  }
  CHECK(std::string(strategyName(Strategy::LastWriteWins)) == "last-write-wins");
  Strategy untouched = Strategy::Merge;
  CHECK_FALSE(strategyFromName("Server-Wins", untouched));
  CHECK_FALSE(strategyFromName("", untouched));
  CHECK(untouched == Strategy::Merge);
}

TEST_CASE("conflict_resolver: changes to different fields are no conflict under any strategy") {
  FixedResolver custom(true, nullptr);
  for (Strategy s : kAllStrategies) {
    INFO(strategyName(s));
    ConflictCase c = updateCase(s, kBase,
                                R"({"id":"1","title":"a","done":false,"meta":{"owner":"ann","tags":["x"],"prio":2},"extra":1})",
                                R"({"done":true,"meta":{"owner":"cat"}})");
    Resolution r = resolveConflict(c, &custom);
    CHECK(r.outcome == Outcome::NoConflict);
    CHECK(r.patch == c.local.patch);
    CHECK(r.conflictingPaths.empty());
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved ==
          J(R"({"id":"1","title":"a","done":true,"meta":{"owner":"cat","tags":["x"],"prio":2},"extra":1})"));
  }
  CHECK(custom.calls == 0);
}

TEST_CASE("conflict_resolver: the same new value on both sides is agreement, not a conflict") {
  ConflictCase c = updateCase(Strategy::Manual, kBase,
                              R"({"id":"1","title":"c","done":false,"meta":{"owner":"ann","tags":["x"],"prio":1}})",
                              R"({"title":"c","done":true})");
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::NoConflict);
  CHECK(r.resolved["title"] == "c");
  CHECK(r.resolved["done"] == true);
}

TEST_CASE("conflict_resolver: server-wins drops only the conflicting local fields") {
  Resolution r = resolveConflict(updateCase(Strategy::ServerWins), nullptr);
  CHECK(r.outcome == Outcome::Merged);
  CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
  CHECK(r.patch == J(R"({"done":true,"meta":{"tags":["y"]}})"));
  CHECK(r.resolved == J(R"({"id":"1","title":"b","done":true,"meta":{"owner":"bob","tags":["y"],"prio":2}})"));
}

TEST_CASE("conflict_resolver: server-wins with nothing local left takes the remote") {
  Resolution r = resolveConflict(
      updateCase(Strategy::ServerWins, kBase, kRemote, R"({"title":"c","meta":{"owner":"cat"}})"),
      nullptr);
  CHECK(r.outcome == Outcome::TakeRemote);
  CHECK(r.patch == json::object());  // no empty "meta" left behind
  CHECK(r.resolved == J(kRemote));
}

TEST_CASE("conflict_resolver: client-wins keeps the whole local change on top of the remote") {
  ConflictCase c = updateCase(Strategy::ClientWins);
  c.local.ts = ts(1, 0, "client");  // the clock plays no part
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::KeepLocal);
  CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
  CHECK(r.patch == c.local.patch);
  // meta.prio changed only remotely and still comes from the remote
  CHECK(r.resolved == J(R"({"id":"1","title":"c","done":true,"meta":{"owner":"cat","tags":["y"],"prio":2}})"));
}

TEST_CASE("conflict_resolver: last-write-wins follows the hybrid clock in both directions") {
  const json clientWins = J(R"({"id":"1","title":"c","done":true,"meta":{"owner":"cat","tags":["y"],"prio":2}})");
  const json serverWins = J(R"({"id":"1","title":"b","done":true,"meta":{"owner":"bob","tags":["y"],"prio":2}})");
  struct Row {
    HlcTimestamp local, remote;
    bool localWins;
  };
  const Row rows[] = {
      {ts(2000, 0, "client"), ts(1000, 9, "server"), true},   // later wall
      {ts(1000, 9, "client"), ts(2000, 0, "server"), false},  // earlier wall
      {ts(1000, 3, "client"), ts(1000, 2, "server"), true},   // equal wall: counter decides
      {ts(1000, 2, "client"), ts(1000, 3, "server"), false},
      {ts(1000, 2, "zed"), ts(1000, 2, "amy"), true},         // equal wall and counter: node
      {ts(1000, 2, "amy"), ts(1000, 2, "zed"), false},
      {ts(1000, 2, "same"), ts(1000, 2, "same"), false},      // identical: the server wins
  };
  for (const Row& row : rows) {
    INFO(row.local.wallMs << "/" << row.local.counter << "/" << row.local.node);
    ConflictCase c = updateCase(Strategy::LastWriteWins);
    c.local.ts = row.local;
    c.remoteTs = row.remote;
    Resolution r = resolveConflict(c, nullptr);
    CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
    if (row.localWins) {
      CHECK(r.outcome == Outcome::KeepLocal);
      CHECK(r.patch == c.local.patch);
      CHECK(r.resolved == clientWins);
    } else {
      CHECK(r.outcome == Outcome::Merged);
      CHECK(r.patch == J(R"({"done":true,"meta":{"tags":["y"]}})"));
      CHECK(r.resolved == serverWins);
    }
  }
}

TEST_CASE("conflict_resolver: merge applies per-field rules by the longest dotted prefix") {
  ConflictCase c = updateCase(
      Strategy::Merge,
      R"({"title":"a","meta":{"owner":"ann","note":"n","size":{"w":1,"h":1}},"metadata":1})",
      R"({"title":"b","meta":{"owner":"bob","note":"r","size":{"w":2,"h":2}},"metadata":2})",
      R"({"title":"c","meta":{"owner":"cat","note":"l","size":{"w":3}},"metadata":3})");
  c.rules.defaultRule = FieldRule::Server;
  c.rules.byPath["meta"] = FieldRule::Client;
  c.rules.byPath["meta.owner"] = FieldRule::Server;
  c.rules.byPath["meta.own"] = FieldRule::Client;   // not a prefix of meta.owner at a dot
  c.rules.byPath["meta.size.w"] = FieldRule::LastWriteWins;
  c.rules.byPath["met"] = FieldRule::Client;        // covers neither meta nor metadata
  c.local.ts = ts(1, 0, "client");                  // older: LWW fields go to the server
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::Merged);
  CHECK(r.conflictingPaths == Paths{"meta.note", "meta.owner", "meta.size.w", "metadata", "title"});
  CHECK(r.patch == J(R"({"meta":{"note":"l"}})"));
  CHECK(r.resolved ==
        J(R"({"title":"b","meta":{"owner":"bob","note":"l","size":{"w":2,"h":2}},"metadata":2})"));

  c.local.ts = ts(5000, 0, "client");  // newer: meta.size.w now goes to the client
  r = resolveConflict(c, nullptr);
  CHECK(r.patch == J(R"({"meta":{"note":"l","size":{"w":3}}})"));
  CHECK(r.resolved["meta"]["size"] == J(R"({"w":3,"h":2})"));
}

TEST_CASE("conflict_resolver: merge takes one-sided changes from their side at any depth") {
  ConflictCase c = updateCase(
      Strategy::Merge,
      R"({"a":{"b":{"c":1,"d":1},"e":1},"f":1})",
      R"({"a":{"b":{"c":1,"d":2},"e":1},"f":1,"g":7})",
      R"({"a":{"b":{"c":5},"e":null}})");
  c.rules.defaultRule = FieldRule::Server;
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::NoConflict);
  CHECK(r.resolved == J(R"({"a":{"b":{"c":5,"d":2}},"f":1,"g":7})"));
}

TEST_CASE("conflict_resolver: merge treats arrays as atomic values") {
  ConflictCase c = updateCase(Strategy::Merge, R"({"tags":["x"],"n":1})", R"({"tags":["x","r"],"n":1})",
                              R"({"tags":["x","l"]})");
  c.rules.byPath["tags"] = FieldRule::Client;
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::KeepLocal);
  CHECK(r.conflictingPaths == Paths{"tags"});
  CHECK(r.resolved == J(R"({"tags":["x","l"],"n":1})"));

  c.rules.byPath["tags"] = FieldRule::Server;
  r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::TakeRemote);
  CHECK(r.patch == json::object());
  CHECK(r.resolved == J(R"({"tags":["x","r"],"n":1})"));
}

TEST_CASE("conflict_resolver: merge default rule last-write-wins uses the two timestamps") {
  ConflictCase c = updateCase(Strategy::Merge);
  c.local.ts = ts(1000, 0, "client");
  c.remoteTs = ts(1000, 0, "server");  // equal wall and counter; "client" < "server"
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::Merged);
  CHECK(r.patch == J(R"({"done":true,"meta":{"tags":["y"]}})"));
  c.remoteTs = ts(1000, 0, "a-server");
  r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::KeepLocal);
  CHECK(r.patch == c.local.patch);
}

TEST_CASE("conflict_resolver: a remote that replaced or removed an enclosing object conflicts") {
  // remote turned meta into a string: adding meta.owner locally would rebuild meta as an object
  ConflictCase c = updateCase(Strategy::ServerWins, R"({"meta":{"x":1}})", R"({"meta":"gone"})",
                              R"({"meta":{"owner":"cat"}})");
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.conflictingPaths == Paths{"meta.owner"});
  CHECK(r.outcome == Outcome::TakeRemote);
  CHECK(r.patch == json::object());
  CHECK(r.resolved == J(R"({"meta":"gone"})"));

  c.remote = J(R"({"other":1})");  // remote removed meta altogether
  r = resolveConflict(c, nullptr);
  CHECK(r.conflictingPaths == Paths{"meta.owner"});
  c.strategy = Strategy::ClientWins;
  r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::KeepLocal);
  CHECK(r.resolved == J(R"({"other":1,"meta":{"owner":"cat"}})"));

  // a scalar that both sides left alone is no conflict when local turns it into an object
  c = updateCase(Strategy::ServerWins, R"({"meta":"s","n":1})", R"({"meta":"s","n":2})",
                 R"({"meta":{"owner":"cat"}})");
  CHECK(resolveConflict(c, nullptr).outcome == Outcome::NoConflict);
}

TEST_CASE("conflict_resolver: keys containing dots are compared as single keys") {
  ConflictCase c = updateCase(Strategy::ServerWins, R"({"a.b":1,"a":{"b":1}})",
                              R"({"a.b":1,"a":{"b":2}})", R"({"a.b":5})");
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::NoConflict);
  CHECK(r.resolved == J(R"({"a.b":5,"a":{"b":2}})"));
}

TEST_CASE("conflict_resolver: local update against a remote delete") {
  const char* patch = R"({"title":"c","meta":{"owner":"cat"}})";
  const json recreated = J(R"({"id":"1","title":"c","done":false,"meta":{"owner":"cat","tags":["x"],"prio":1}})");

  SECTION("server-wins drops the update") {
    Resolution r = resolveConflict(updateCase(Strategy::ServerWins, kBase, "null", patch), nullptr);
    CHECK(r.outcome == Outcome::TakeRemote);
    CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
    CHECK(r.patch == json::object());
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved.is_null());
  }
  SECTION("client-wins turns the update into a re-creation") {
    Resolution r = resolveConflict(updateCase(Strategy::ClientWins, kBase, "null", patch), nullptr);
    CHECK(r.outcome == Outcome::KeepLocal);
    CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
    CHECK(r.patch == recreated);
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved == recreated);
  }
  SECTION("last-write-wins and merge follow the clock") {
    for (Strategy s : {Strategy::LastWriteWins, Strategy::Merge}) {
      ConflictCase c = updateCase(s, kBase, "null", patch);
      c.local.ts = ts(2000, 0, "client");
      c.remoteTs = ts(1000, 0, "server");
      CHECK(resolveConflict(c, nullptr).outcome == Outcome::KeepLocal);
      c.rules.defaultRule = FieldRule::Client;  // field rules do not apply to a deletion
      c.remoteTs = ts(3000, 0, "server");
      Resolution r = resolveConflict(c, nullptr);
      CHECK(r.outcome == Outcome::TakeRemote);
      CHECK(r.resolved.is_null());
    }
  }
  SECTION("manual parks it") {
    ConflictCase c = updateCase(Strategy::Manual, kBase, "null", patch);
    Resolution r = resolveConflict(c, nullptr);
    CHECK(r.outcome == Outcome::Park);
    CHECK(r.patch == c.local.patch);
    CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
    CHECK(r.resolved.is_null());
  }
}

TEST_CASE("conflict_resolver: a pending create meets no server entity: nothing to resolve") {
  ConflictCase c = updateCase(Strategy::ServerWins, "null", "null", R"({"id":"t1","title":"new"})");
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::NoConflict);
  CHECK(r.patch == c.local.patch);
  CHECK(r.resolved == J(R"({"id":"t1","title":"new"})"));
}

TEST_CASE("conflict_resolver: a pending create meets a server entity with the same id") {
  ConflictCase c = updateCase(Strategy::ServerWins, "null", R"({"id":"t1","title":"theirs","n":1})",
                              R"({"id":"t1","title":"mine","done":true})");
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.conflictingPaths == Paths{"title"});  // id agrees; done is new on the local side only
  CHECK(r.outcome == Outcome::Merged);
  CHECK(r.resolved == J(R"({"id":"t1","title":"theirs","n":1,"done":true})"));
}

TEST_CASE("conflict_resolver: local delete against a remote delete or an unchanged remote") {
  for (Strategy s : kAllStrategies) {
    INFO(strategyName(s));
    Resolution r = resolveConflict(deleteCase(s, kBase, "null"), nullptr);
    CHECK(r.outcome == Outcome::NoConflict);
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved.is_null());
    CHECK(r.patch == json::object());

    r = resolveConflict(deleteCase(s, kBase, kBase), nullptr);
    CHECK(r.outcome == Outcome::NoConflict);
    CHECK(r.keepDelete);
    CHECK(r.resolved.is_null());
  }
}

TEST_CASE("conflict_resolver: local delete against a remote update") {
  const Paths remoteChanged{"meta.owner", "meta.prio", "title"};
  SECTION("server-wins drops the delete") {
    Resolution r = resolveConflict(deleteCase(Strategy::ServerWins), nullptr);
    CHECK(r.outcome == Outcome::TakeRemote);
    CHECK(r.conflictingPaths == remoteChanged);
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved == J(kRemote));
  }
  SECTION("client-wins keeps it") {
    Resolution r = resolveConflict(deleteCase(Strategy::ClientWins), nullptr);
    CHECK(r.outcome == Outcome::KeepLocal);
    CHECK(r.conflictingPaths == remoteChanged);
    CHECK(r.keepDelete);
    CHECK(r.patch == json::object());
    CHECK(r.resolved.is_null());
  }
  SECTION("last-write-wins and merge follow the clock") {
    for (Strategy s : {Strategy::LastWriteWins, Strategy::Merge}) {
      ConflictCase c = deleteCase(s);
      c.local.ts = ts(1000, 1, "client");
      c.remoteTs = ts(1000, 0, "server");
      Resolution r = resolveConflict(c, nullptr);
      CHECK(r.outcome == Outcome::KeepLocal);
      CHECK(r.keepDelete);
      c.remoteTs = ts(1000, 1, "zzz");
      r = resolveConflict(c, nullptr);
      CHECK(r.outcome == Outcome::TakeRemote);
      CHECK_FALSE(r.keepDelete);
    }
  }
  SECTION("manual parks it with the delete still pending") {
    Resolution r = resolveConflict(deleteCase(Strategy::Manual), nullptr);
    CHECK(r.outcome == Outcome::Park);
    CHECK(r.keepDelete);
    CHECK(r.resolved == J(kRemote));
  }
  SECTION("the remote created what the local side deleted from nothing") {
    Resolution r = resolveConflict(deleteCase(Strategy::ServerWins, "null", R"({"id":"1","t":1})"), nullptr);
    CHECK(r.outcome == Outcome::TakeRemote);
    CHECK(r.conflictingPaths == Paths{"id", "t"});
  }
}

TEST_CASE("conflict_resolver: custom resolver decides the entity to show") {
  const json merged = J(R"({"id":"1","title":"b+c","done":true,"meta":{"owner":"bob","tags":["x","y"],"prio":2}})");
  FixedResolver custom(true, merged);
  ConflictCase c = updateCase(Strategy::Custom);
  Resolution r = resolveConflict(c, &custom);
  CHECK(custom.calls == 1);
  CHECK(custom.seenId == "1");
  CHECK(custom.seenRemote == c.remote);  // merged starts as the remote
  CHECK(r.outcome == Outcome::Merged);
  CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
  CHECK(r.patch == createMergePatch(c.remote, merged));
  CHECK(r.patch == J(R"({"title":"b+c","done":true,"meta":{"tags":["x","y"]}})"));
  CHECK_FALSE(r.keepDelete);
  CHECK(r.resolved == merged);
}

TEST_CASE("conflict_resolver: custom resolver may delete or re-create") {
  SECTION("null turns a local update into a pending delete") {
    FixedResolver custom(true, nullptr);
    Resolution r = resolveConflict(updateCase(Strategy::Custom), &custom);
    CHECK(r.outcome == Outcome::Merged);
    CHECK(r.keepDelete);
    CHECK(r.patch == json::object());
    CHECK(r.resolved.is_null());
  }
  SECTION("null after a remote delete leaves nothing to send") {
    FixedResolver custom(true, nullptr);
    Resolution r = resolveConflict(updateCase(Strategy::Custom, kBase, "null"), &custom);
    CHECK(r.outcome == Outcome::Merged);
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved.is_null());
  }
  SECTION("an entity after a remote delete becomes a full re-creation") {
    FixedResolver custom(true, J(R"({"id":"1","title":"kept"})"));
    Resolution r = resolveConflict(updateCase(Strategy::Custom, kBase, "null"), &custom);
    CHECK(r.outcome == Outcome::Merged);
    CHECK(r.patch == J(R"({"id":"1","title":"kept"})"));
    CHECK(r.resolved == J(R"({"id":"1","title":"kept"})"));
  }
  SECTION("an entity for a local delete drops the delete") {
    FixedResolver custom(true, J(R"({"id":"1","title":"b","archived":true})"));
    ConflictCase c = deleteCase(Strategy::Custom);
    Resolution r = resolveConflict(c, &custom);
    CHECK(r.outcome == Outcome::Merged);
    CHECK_FALSE(r.keepDelete);
    CHECK(r.resolved == J(R"({"id":"1","title":"b","archived":true})"));
    CHECK(applyMergePatch(c.remote, r.patch) == r.resolved);
  }
}

TEST_CASE("conflict_resolver: an undecided, missing or invalid custom resolver parks") {
  ConflictCase c = updateCase(Strategy::Custom);
  FixedResolver undecided(false, nullptr);
  FixedResolver invalid(true, json::array({1, 2}));
  for (CustomResolver* custom : {static_cast<CustomResolver*>(&undecided),
                                 static_cast<CustomResolver*>(&invalid),
                                 static_cast<CustomResolver*>(nullptr)}) {
    Resolution r = resolveConflict(c, custom);
    CHECK(r.outcome == Outcome::Park);
    CHECK(r.patch == c.local.patch);
    CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
    CHECK(r.resolved == c.remote);
  }
  CHECK(undecided.calls == 1);
  Resolution r = resolveConflict(deleteCase(Strategy::Custom), &undecided);
  CHECK(r.outcome == Outcome::Park);
  CHECK(r.keepDelete);
}

TEST_CASE("conflict_resolver: manual parks with the local patch unchanged") {
  ConflictCase c = updateCase(Strategy::Manual);
  Resolution r = resolveConflict(c, nullptr);
  CHECK(r.outcome == Outcome::Park);
  CHECK(r.patch == c.local.patch);
  CHECK_FALSE(r.keepDelete);
  CHECK(r.conflictingPaths == Paths{"meta.owner", "title"});
  CHECK(r.resolved == c.remote);
}
}  // namespace test_conflict_resolver
