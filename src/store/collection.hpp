// One collection: the confirmed state (the entities as the server last described them, with the
// server's version per entity) and the view overlay (entities with pending local mutations, as
// the user sees them). Deletes stay as tombstones (version kept) until compacted, so a late,
// older upsert cannot resurrect a deleted entity.
//
// The confirmed state keeps each entity as its canonical JSON text (store/stored_json.hpp,
// docs/entity_storage.md): readers get an EntityRef, which either points at a tree the store
// holds (an overlay: entities with pending mutations) or owns a tree built from the text for that
// read alone.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/json_util.hpp"
#include "store/field_index.hpp"

namespace syncore {

struct CollectionOptions {
  std::string idField = "id";  // the entity field that holds its id
};

struct Entity {
  std::int64_t version = 0;  // the server's version
  std::string text;          // the entity object as dumpJson writes it (empty for a tombstone)
  std::size_t bytes = 0;     // approximate footprint of the tree it stands for, kept for stats
  bool deleted = false;      // tombstone
  // Whether the collection holds a view of its own for this id (an overlay): kept with the
  // overlay, so that a write holding the entity's slot asks without hashing the id again.
  bool overlaid = false;
  // The owner's commit bookkeeping (sync_commit.cpp): 1 + the position of this entity's touch in
  // the open commit, 0 when not touched. The store only keeps it.
  std::uint32_t commitMark = 0;
  // The values of the query index's columns (store/field_index.hpp); null while no query is open.
  FieldIndex::Row indexed;
  // The entity object as a tree (null for a tombstone), built for this reader.
  json data() const;
};

// An entity as a reader sees it: absent, a tree the store holds, or a tree built for this read.
// Like the pointer it replaces (test with == nullptr, read with * and ->), but a built tree lives
// only as long as the EntityRef: keep the EntityRef, not a pointer into it.
class EntityRef {
 public:
  EntityRef() = default;
  explicit EntityRef(const json* held) : held_(held) {}
  explicit EntityRef(json built) : built_(std::move(built)), owns_(true) {}
  EntityRef(EntityRef&& other) noexcept : held_(other.held_), built_(std::move(other.built_)), owns_(other.owns_) {
    other.reset();
  }
  EntityRef& operator=(EntityRef&& other) noexcept {
    held_ = other.held_;
    built_ = std::move(other.built_);
    owns_ = other.owns_;
    other.reset();
    return *this;
  }
  EntityRef(const EntityRef&) = delete;  // a built tree is not copied by accident
  EntityRef& operator=(const EntityRef&) = delete;

  const json* get() const { return owns_ ? &built_ : held_; }
  explicit operator bool() const { return get() != nullptr; }
  const json& operator*() const { return *get(); }
  const json* operator->() const { return get(); }
  // The tree itself (moved out when built for this read, else copied); null when absent.
  json release() && {
    const bool owned = owns_;
    const json* held = held_;
    reset();
    if (owned) return std::move(built_);
    return held != nullptr ? *held : json(nullptr);
  }

  friend bool operator==(const EntityRef& r, std::nullptr_t) { return !r; }
  friend bool operator!=(const EntityRef& r, std::nullptr_t) { return static_cast<bool>(r); }
  friend bool operator==(std::nullptr_t, const EntityRef& r) { return !r; }
  friend bool operator!=(std::nullptr_t, const EntityRef& r) { return static_cast<bool>(r); }

 private:
  void reset() {  // absent, as a moved-from EntityRef is
    held_ = nullptr;
    owns_ = false;
  }

  const json* held_ = nullptr;
  json built_;
  bool owns_ = false;
};

enum class WriteResult { Created, Updated, Deleted, Ignored };

// An entity object as its canonical text (the bytes dumpJson writes for its tree) with that
// tree's approximate footprint: what a server batch's text path brings (wire/canonical_text.hpp),
// stored without a tree ever being built for it.
struct EntityText {
  std::string text;
  std::size_t bytes = 0;  // approxBytes of the tree it stands for (estimated)
};

class Collection {
 public:
  Collection(std::string name, CollectionOptions options);

  const std::string& name() const { return name_; }
  const CollectionOptions& options() const { return options_; }

  // Applies a server upsert. A version lower than the one held (live or tombstone) is stale and
  // ignored; an equal version with equal data is a no-op. canonicalText: data's canonical text when
  // the caller has it (a hydrate of records the core wrote), else it is written from data.
  WriteResult upsert(const std::string& id, std::int64_t version, json data,
                     std::optional<std::string> canonicalText = std::nullopt);
  WriteResult remove(const std::string& id, std::int64_t version);
  // A full resync's write: the server's word as it stands, its version taken even when lower
  // than the one held (a restored or new database numbers again). data null: a tombstone.
  WriteResult overwrite(const std::string& id, std::int64_t version, json* data);
  // upsert / overwrite of an entity given as its canonical text: the same rules and results, the
  // same stored text and query index row, without a tree.
  WriteResult upsertText(const std::string& id, std::int64_t version, EntityText entity);
  WriteResult overwriteText(const std::string& id, std::int64_t version, EntityText entity);
  // Forgets the confirmed entity (live or tombstone) entirely: the server no longer has it.
  bool erase(const std::string& id);
  // How many entities erase and compact have taken out so far: a Slot (below) taken when it was
  // n is valid while it is still n.
  std::uint64_t erasures() const { return erasures_; }

  // A confirmed entity's place in the store, found or made with one hash of its id: a remote
  // write looks its entity up once and hands the slot to the write and to the commit's
  // bookkeeping, which then hash nothing. entity stays valid while erasures() is unchanged
  // (std::unordered_map keeps its elements in place when it rehashes; only an erase frees one).
  // fresh: made by slot(), blank until one of the *At writes fills it (always: an upsert makes
  // the entity, a remove its tombstone); nothing but the overlay may be read in between.
  struct Slot {
    const std::string* id = nullptr;  // the map's own key
    Entity* entity = nullptr;
    bool fresh = false;
  };
  Slot slot(const std::string& id);
  // The entity's slot when the store has it (live or tombstone); otherwise entity null and id the
  // caller's own (valid as long as the argument).
  Slot existing(const std::string& id);
  // upsert / upsertText / remove / overwrite / overwriteText on a slot: the same rules and results.
  WriteResult upsertAt(Slot s, std::int64_t version, json data);
  WriteResult upsertTextAt(Slot s, std::int64_t version, EntityText entity);
  WriteResult removeAt(Slot s, std::int64_t version);
  WriteResult overwriteAt(Slot s, std::int64_t version, json* data);
  WriteResult overwriteTextAt(Slot s, std::int64_t version, EntityText entity);
  // has(id) for a slot not fresh, held while erasures() is unchanged: no hash of the id unless
  // it has an overlay.
  bool hasAt(const Slot& s) const { return s.entity->overlaid ? has(*s.id) : !s.entity->deleted; }
  // After an upsert or overwrite that was not ignored: whether the entity's data stayed the same
  // text (only its version moved). Compared on the texts the write has anyway.
  bool lastWriteKeptData() const { return lastWriteKeptData_; }

  const Entity* find(const std::string& id) const;       // confirmed, including tombstones
  EntityRef confirmed(const std::string& id) const;      // confirmed live entities only
  EntityRef get(const std::string& id) const;            // the view: overlay first, then confirmed
  // Whether get / confirmed would find a live entity, without building it.
  bool has(const std::string& id) const;
  bool hasConfirmed(const std::string& id) const;
  // The view with only the named top-level fields (all of them for an overlay): what a query reads.
  EntityRef getFields(const std::string& id, const std::vector<std::string>& fields) const;
  // The view's canonical text when it is the confirmed state (no overlay): the bytes a reader
  // would get from dumpJson(*get(id)). Null when overlaid or not live.
  const std::string* confirmedText(const std::string& id) const;

  // The view of an entity with pending mutations (null json = deleted in the view), or back to
  // the confirmed state when nothing is pending.
  void setOverlay(const std::string& id, json view);
  void clearOverlay(const std::string& id);
  // The same with the live view given as its canonical text (a local write patched on the text,
  // store/stored_json.hpp's patchStoredText): no tree is built until a reader asks for one.
  void setOverlayText(const std::string& id, std::string text);
  // The same for the entity at a slot the caller holds (Collection::existing, erasures() not
  // moved since): its overlaid flag set without looking the id up again.
  void setOverlayText(const Slot& s, std::string text);
  // Applies a merge patch to the view of an entity with pending mutations, in place (no copy of
  // the entity); nothing when it has no view of its own or that view is deleted.
  void patchOverlay(const std::string& id, const json& patch);
  // (Empty checked first: libc++ hashes the key even to search an empty table, and every remote
  // write asks this several times, usually with no pending write anywhere.)
  bool hasOverlay(const std::string& id) const { return !overlay_.empty() && overlay_.count(id) != 0; }

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

  // Visits the view's live entities in unspecified order. The json is valid during the call only.
  void forEachLive(const std::function<void(const std::string&, const json&)>& visit) const;
  // The same with only the named top-level fields of confirmed entities (see getFields).
  void forEachLiveFields(const std::vector<std::string>& fields,
                         const std::function<void(const std::string&, const json&)>& visit) const;

  void reserve(std::size_t n) { entities_.reserve(n); }

  // The query index (collection_index.cpp): each open query retains its fields() while open, and
  // reads them through fieldValues / forEachLiveValues. A field not retained is read from the
  // text instead (same values, slower). scratch holds those values; out[i] is fields[i]'s
  // value (nullptr: missing), valid until the next write or call with the same scratch.
  void retainFields(const std::vector<std::string>& fields);
  void releaseFields(const std::vector<std::string>& fields);
  // The view's values (overlay first); false when the entity is not live in the view.
  bool fieldValues(const std::string& id, const std::vector<std::string>& fields, const json** out,
                   json& scratch) const;
  // Every live entity of the view with its values of fields, in unspecified order.
  void forEachLiveValues(const std::vector<std::string>& fields,
                         const std::function<void(const std::string&, const json* const*)>& visit) const;
  const FieldIndex& fieldIndex() const { return index_; }

 private:
  // upsert / overwrite of a live entity: its text, its footprint, and its tree when the caller
  // has one (null: the text path; a tree is then built only to compare equal versions). An
  // upsert given a tree takes its footprint from it, and its text too when none is given (a
  // hydrate gives its canonical text), only once the write is known not to be stale. given or
  // tree: at least one of them.
  WriteResult upsertStored(Slot s, std::int64_t version, std::optional<std::string> given, std::size_t bytes,
                           const json* tree);
  WriteResult overwriteStored(Slot s, std::int64_t version, std::string text, std::size_t bytes, const json* tree);
  // Sets the entity's overlaid flag when the store has it (its overlay was just made or dropped)
  // and answers hasConfirmed(id), with the same one lookup.
  bool markOverlaid(const std::string& id, bool overlaid);
  void placeOverlayText(const std::string& id, Entity* held, std::string text);
  void fillRow(Entity& e, const json* tree) const;
  void confirmedValues(const Entity& e, const std::vector<std::string>& fields,
                       const std::vector<std::size_t>& columns, bool all, const json** out,
                       json& scratch) const;

  // An entity's view while it has pending mutations: a tree, or (a local write's, until a reader
  // needs the tree) its canonical text. Neither: deleted in the view. Built on first read (get
  // and the other readers are const, hence mutable): W2's writes are never read back.
  struct Overlay {
    mutable json tree;
    mutable std::string text;
    bool live() const { return !text.empty() || !tree.is_null(); }
  };
  // The overlay's tree, built from its text on first read (the footprint moves with it).
  const json& overlayTree(const Overlay& o) const;
  std::size_t overlayFootprint(const Overlay& o) const;

  std::string name_;
  CollectionOptions options_;
  std::unordered_map<std::string, Entity> entities_;
  std::unordered_map<std::string, Overlay> overlay_;
  std::size_t live_ = 0;      // confirmed live
  std::size_t viewLive_ = 0;  // live in the view
  std::size_t bytes_ = 0;
  mutable std::size_t overlayBytes_ = 0;  // moves when a text overlay's tree is built
  bool lastWriteKeptData_ = false;
  std::uint64_t erasures_ = 0;
  FieldIndex index_;
};

}  // namespace syncore
