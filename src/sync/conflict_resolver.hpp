// Decides what survives when a remote change meets a pending local mutation of the same entity.
// Pure function of its inputs: the core calls it while rebasing the pending log, then applies the
// Resolution (keep or drop the pending patch, park the conflict, report it as an event).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sync/hlc.hpp"
#include "base/json_util.hpp"

namespace syncore {

// For Merge: who wins a field changed on both sides.
enum class FieldRule { Server, Client, LastWriteWins };

struct MergeRules {
  FieldRule defaultRule = FieldRule::LastWriteWins;
  // Dotted paths ("meta.owner"); a rule covers its path and everything below it, and the longest
  // matching path decides.
  std::map<std::string, FieldRule> byPath;
};

struct LocalChange {
  enum class Kind { Update, Delete } kind = Kind::Update;
  json patch = json::object();  // Update: a JSON merge patch made against ConflictCase::base
  HlcTimestamp ts;              // when the local change was made
};

struct ConflictCase {
  std::string collection, id;
  json base;    // the confirmed entity the local change was made against (null = did not exist)
  json remote;  // the new confirmed entity from the server (null = deleted remotely)
  LocalChange local;
  HlcTimestamp remoteTs;  // when the remote change was made (clamp it, see clampHlc)
  Strategy strategy = Strategy::ServerWins;
  MergeRules rules;
};

struct Resolution {
  enum class Outcome {
    NoConflict,  // no field changed on both sides: the pending change simply rebases
    KeepLocal,   // the local change survives whole
    TakeRemote,  // nothing local survives
    Merged,      // part of the local change survives, or a custom resolver produced the result
    Park,        // undecided: keep everything pending and let the app resolve it later
  } outcome = Outcome::NoConflict;
  // The patch to keep pending, now against `remote` (empty object = nothing left to send). For a
  // local Update that the remote deleted and the client wins, it is the whole entity (a re-create).
  json patch = json::object();
  // Whether a delete stays pending: a local Delete that survives, or (Custom only) a local Update
  // that the custom resolver turned into a deletion.
  bool keepDelete = false;
  std::vector<std::string> conflictingPaths;  // dotted, sorted; empty for NoConflict
  json resolved;  // the entity the view shows afterwards (null = deleted); `remote` when parked
};

class CustomResolver {
 public:
  virtual ~CustomResolver() = default;
  // Returns false if it cannot decide (the conflict is then parked); otherwise `merged` (which
  // starts as a copy of c.remote) is the entity to show, null for a deletion. A value that is
  // neither an object nor null counts as undecided.
  virtual bool resolve(const ConflictCase& c, json& merged) = 0;
};

// Call it for every remote change that meets a pending mutation: whatever the strategy, a local
// change that touched no field the remote also changed comes back as NoConflict, and the
// strategy (and `custom`, needed only for Strategy::Custom) decides the rest.
Resolution resolveConflict(const ConflictCase& c, CustomResolver* custom);

}  // namespace syncore
