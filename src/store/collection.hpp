// One collection: the confirmed state (the entities as the server last described them, with the
// server's version per entity) and the view overlay (entities with pending local mutations, as
// the user sees them). Deletes stay as tombstones (version kept) until compacted, so a late,
// older upsert cannot resurrect a deleted entity.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "base/json_util.hpp"

namespace syncore {

struct CollectionOptions {
  std::string idField = "id";  // the entity field that holds its id
};

struct Entity {
  json data;                 // the entity object (null for a tombstone)
  std::int64_t version = 0;  // the server's version
  bool deleted = false;      // tombstone
  std::size_t bytes = 0;     // approximate footprint, kept for stats
};

enum class WriteResult { Created, Updated, Deleted, Ignored };

class Collection {
 public:
  Collection(std::string name, CollectionOptions options);

  const std::string& name() const { return name_; }
  const CollectionOptions& options() const { return options_; }

  // Applies a server upsert. A version lower than the one held (live or tombstone) is stale and
  // ignored; an equal version with equal data is a no-op.
  WriteResult upsert(const std::string& id, std::int64_t version, json data);
  WriteResult remove(const std::string& id, std::int64_t version);
  // A full resync's write: the server's word as it stands, its version taken even when lower
  // than the one held (a restored or new database numbers again). data null: a tombstone.
  WriteResult overwrite(const std::string& id, std::int64_t version, json* data);
  // Forgets the confirmed entity (live or tombstone) entirely: the server no longer has it.
  bool erase(const std::string& id);

  const Entity* find(const std::string& id) const;       // confirmed, including tombstones
  const json* confirmed(const std::string& id) const;    // confirmed live entities only
  const json* get(const std::string& id) const;          // the view: overlay first, then confirmed

  // The view of an entity with pending mutations (null json = deleted in the view), or back to
  // the confirmed state when nothing is pending.
  void setOverlay(const std::string& id, json view);
  void clearOverlay(const std::string& id);
  // Applies a merge patch to the view of an entity with pending mutations, in place (no copy of
  // the entity); nothing when it has no view of its own or that view is deleted.
  void patchOverlay(const std::string& id, const json& patch);
  bool hasOverlay(const std::string& id) const { return overlay_.count(id) != 0; }

  std::size_t count() const { return viewLive_; }  // entities in the view
  std::size_t tombstones() const { return entities_.size() - live_; }
  std::size_t approxBytes() const { return bytes_ + overlayBytes_; }

  // Drops tombstones with version <= upToVersion (all when upToVersion < 0). Returns how many.
  std::size_t compact(std::int64_t upToVersion = -1);

  // Visits the ids of tombstones with version <= upToVersion (all when upToVersion < 0).
  void forEachTombstone(std::int64_t upToVersion, const std::function<void(const std::string&)>& visit) const;

  // Visits every confirmed entity, tombstones included (what persistence stores).
  void forEachEntity(const std::function<void(const std::string&, const Entity&)>& visit) const {
    for (const auto& [id, e] : entities_) visit(id, e);
  }

  // Visits the view's live entities in unspecified order.
  void forEachLive(const std::function<void(const std::string&, const json&)>& visit) const;

  void reserve(std::size_t n) { entities_.reserve(n); }

 private:
  std::string name_;
  CollectionOptions options_;
  std::unordered_map<std::string, Entity> entities_;
  std::unordered_map<std::string, json> overlay_;
  std::size_t live_ = 0;      // confirmed live
  std::size_t viewLive_ = 0;  // live in the view
  std::size_t bytes_ = 0;
  std::size_t overlayBytes_ = 0;
};

}  // namespace syncore
