#include "store/collection.hpp"

#include "store/stored_json.hpp"

namespace syncore {

namespace {
constexpr std::size_t kEntryOverhead = 64;  // hash node + key string + Entity fields

// Whether the held entity already is the written one: the same text, or (rarely: 1 against 1.0,
// -0.0 against 0) a tree nlohmann calls equal, as the tree store compared before. tree: the
// written entity's, when the writer has one (else built from its text, for this rare case only).
bool sameData(const Entity& e, const std::string& text, const json* tree) {
  if (e.text == text) return true;
  const json held = treeFromStored(e.text);
  return tree != nullptr ? held == *tree : held == treeFromStored(text);
}
}  // namespace

json Entity::data() const { return deleted ? json(nullptr) : treeFromStored(text); }

Collection::Collection(std::string name, CollectionOptions options)
    : name_(std::move(name)), options_(std::move(options)) {}

WriteResult Collection::upsert(const std::string& id, std::int64_t version, json data,
                               std::optional<std::string> canonicalText) {
  // The tree gives the footprint and the index row; the text too unless the caller has it.
  return upsertStored(slot(id), version, std::move(canonicalText), 0, &data);
}

WriteResult Collection::upsertText(const std::string& id, std::int64_t version, EntityText entity) {
  return upsertTextAt(slot(id), version, std::move(entity));
}

WriteResult Collection::upsertAt(Slot s, std::int64_t version, json data) {
  return upsertStored(s, version, std::nullopt, 0, &data);
}

WriteResult Collection::upsertTextAt(Slot s, std::int64_t version, EntityText entity) {
  return upsertStored(s, version, std::move(entity.text), entity.bytes, nullptr);
}

Collection::Slot Collection::slot(const std::string& id) {
  // One lookup for a new entity and a known one alike (a server batch's new entities were looked
  // up, then hashed again to be put in).
  auto [it, added] = entities_.try_emplace(id);
  if (added) it->second.overlaid = hasOverlay(id);  // a local create's, say (free with no overlay)
  return {&it->first, &it->second, added};
}

Collection::Slot Collection::existing(const std::string& id) {
  auto it = entities_.find(id);
  if (it == entities_.end()) return {&id, nullptr, false};
  return {&it->first, &it->second, false};
}

void Collection::fillRow(Entity& e, const json* tree) const {
  if (tree != nullptr) index_.fill(e.indexed, *tree);
  else index_.fillFromText(e.indexed, e.text);  // the text path: open queries stay current too
}

WriteResult Collection::upsertStored(Slot s, std::int64_t version, std::optional<std::string> given, std::size_t bytes,
                                     const json* tree) {
  lastWriteKeptData_ = false;
  Entity& e = *s.entity;
  const std::string& id = *s.id;
  const bool overlaid = e.overlaid;
  if (s.fresh) {
    if (tree != nullptr) bytes = syncore::approxBytes(*tree);
    e.bytes = kEntryOverhead + id.capacity() + bytes;
    e.text = given ? std::move(*given) : storedText(*tree);
    e.version = version;
    fillRow(e, tree);
    bytes_ += e.bytes;
    ++live_;
    if (!overlaid) ++viewLive_;
    return WriteResult::Created;
  }
  // A tombstone wins over an upsert of its own version: only a newer write can bring it back.
  if (version < e.version || (e.deleted && version == e.version)) return WriteResult::Ignored;
  std::string text = given ? std::move(*given) : storedText(*tree);  // not before: a stale write needs none
  if (version == e.version && sameData(e, text, tree)) return WriteResult::Ignored;
  if (tree != nullptr) bytes = syncore::approxBytes(*tree);
  const bool wasDeleted = e.deleted;
  lastWriteKeptData_ = !wasDeleted && e.text == text;
  bytes_ -= e.bytes;
  e.bytes = kEntryOverhead + id.capacity() + bytes;
  bytes_ += e.bytes;
  e.text = std::move(text);
  e.version = version;
  e.deleted = false;
  fillRow(e, tree);
  if (wasDeleted) {
    ++live_;
    if (!overlaid) ++viewLive_;
    return WriteResult::Created;
  }
  return WriteResult::Updated;
}

WriteResult Collection::remove(const std::string& id, std::int64_t version) { return removeAt(slot(id), version); }

WriteResult Collection::removeAt(Slot s, std::int64_t version) {
  Entity& e = *s.entity;
  if (s.fresh) {
    // Remember the delete even for an entity never seen, so its older upserts stay dead.
    e.version = version;
    e.deleted = true;
    e.bytes = kEntryOverhead + s.id->capacity();
    bytes_ += e.bytes;
    return WriteResult::Ignored;
  }
  if (version < e.version) return WriteResult::Ignored;
  if (e.deleted) {
    e.version = version;
    return WriteResult::Ignored;
  }
  bytes_ -= e.bytes;
  e.text = std::string();
  e.indexed.reset();
  e.version = version;
  e.deleted = true;
  e.bytes = kEntryOverhead + s.id->capacity();
  bytes_ += e.bytes;
  --live_;
  if (!e.overlaid) --viewLive_;
  return WriteResult::Deleted;
}

const Entity* Collection::find(const std::string& id) const {
  auto it = entities_.find(id);
  return it == entities_.end() ? nullptr : &it->second;
}

EntityRef Collection::confirmed(const std::string& id) const {
  const Entity* e = find(id);
  return (e == nullptr || e->deleted) ? EntityRef() : EntityRef(treeFromStored(e->text));
}

bool Collection::hasConfirmed(const std::string& id) const {
  const Entity* e = find(id);
  return e != nullptr && !e->deleted;
}

const json& Collection::overlayTree(const Overlay& o) const {
  if (!o.text.empty()) {
    overlayBytes_ -= overlayFootprint(o);
    o.tree = treeFromStored(o.text);
    std::string().swap(o.text);
    overlayBytes_ += overlayFootprint(o);
  }
  return o.tree;
}

std::size_t Collection::overlayFootprint(const Overlay& o) const {
  return kEntryOverhead + (o.text.empty() ? syncore::approxBytes(o.tree) : o.text.capacity());
}

EntityRef Collection::get(const std::string& id) const {
  if (!overlay_.empty()) {
    auto o = overlay_.find(id);
    if (o != overlay_.end()) return o->second.live() ? EntityRef(&overlayTree(o->second)) : EntityRef();
  }
  return confirmed(id);
}

bool Collection::has(const std::string& id) const {
  if (!overlay_.empty()) {
    auto o = overlay_.find(id);
    if (o != overlay_.end()) return o->second.live();
  }
  return hasConfirmed(id);
}

EntityRef Collection::getFields(const std::string& id, const std::vector<std::string>& fields) const {
  if (!overlay_.empty()) {
    auto o = overlay_.find(id);
    if (o != overlay_.end()) return o->second.live() ? EntityRef(&overlayTree(o->second)) : EntityRef();
  }
  const Entity* e = find(id);
  return (e == nullptr || e->deleted) ? EntityRef() : EntityRef(fieldsFromStored(e->text, fields));
}

const std::string* Collection::confirmedText(const std::string& id) const {
  if (!overlay_.empty() && overlay_.count(id) != 0) return nullptr;
  const Entity* e = find(id);
  return (e == nullptr || e->deleted) ? nullptr : &e->text;
}

void Collection::setOverlay(const std::string& id, json view) {
  // Live before: by the overlay held, or (none yet) by the confirmed entity; after: by the new
  // view. One search of the overlay, not three.
  auto [it, inserted] = overlay_.try_emplace(id);
  const bool before = inserted ? markOverlaid(id, true) : it->second.live();
  if (!inserted) overlayBytes_ -= overlayFootprint(it->second);
  it->second.tree = std::move(view);
  std::string().swap(it->second.text);
  overlayBytes_ += overlayFootprint(it->second);
  const bool after = it->second.live();
  viewLive_ = viewLive_ + (after ? 1 : 0) - (before ? 1 : 0);
}

void Collection::setOverlayText(const std::string& id, std::string text) { placeOverlayText(id, nullptr, std::move(text)); }

void Collection::setOverlayText(const Slot& s, std::string text) { placeOverlayText(*s.id, s.entity, std::move(text)); }

// held: the store's entity for id when the caller has it (null: looked up here if need be).
void Collection::placeOverlayText(const std::string& id, Entity* held, std::string text) {
  if (text.empty()) return;  // not canonical text of an entity: never given
  auto [it, inserted] = overlay_.try_emplace(id);
  bool before = !inserted && it->second.live();
  if (inserted && held != nullptr) {
    held->overlaid = true;  // as markOverlaid sets it, on the entity in hand
    before = !held->deleted;
  } else if (inserted) {
    before = markOverlaid(id, true);
  }
  if (!inserted) overlayBytes_ -= overlayFootprint(it->second);
  it->second.tree = nullptr;
  it->second.text = std::move(text);
  overlayBytes_ += overlayFootprint(it->second);
  viewLive_ = viewLive_ + 1 - (before ? 1 : 0);
}

void Collection::patchOverlay(const std::string& id, const json& patch) {
  auto it = overlay_.find(id);
  if (it == overlay_.end() || !it->second.live()) return;  // liveness never changes here
  Overlay& o = it->second;
  overlayBytes_ -= overlayFootprint(o);
  std::string patched;
  if (!o.text.empty() && patchStoredText(o.text, patch, patched)) {
    o.text = std::move(patched);  // still no tree
  } else {
    if (!o.text.empty()) {
      o.tree = treeFromStored(o.text);
      std::string().swap(o.text);
    }
    if (o.tree.is_object()) o.tree.merge_patch(patch);  // applyMergePatch's own step, on the view itself
  }
  overlayBytes_ += overlayFootprint(o);
}

bool Collection::markOverlaid(const std::string& id, bool overlaid) {
  auto it = entities_.find(id);
  if (it == entities_.end()) return false;
  it->second.overlaid = overlaid;
  return !it->second.deleted;
}

void Collection::clearOverlay(const std::string& id) {
  auto it = overlay_.find(id);
  if (it == overlay_.end()) return;
  const bool before = it->second.live();
  overlayBytes_ -= overlayFootprint(it->second);
  overlay_.erase(it);
  const bool after = markOverlaid(id, false);
  viewLive_ = viewLive_ + (after ? 1 : 0) - (before ? 1 : 0);
}

std::size_t Collection::compact(std::int64_t upToVersion) {
  std::size_t dropped = 0;
  for (auto it = entities_.begin(); it != entities_.end();) {
    if (it->second.deleted && (upToVersion < 0 || it->second.version <= upToVersion)) {
      bytes_ -= it->second.bytes;
      it = entities_.erase(it);
      ++dropped;
      ++erasures_;
    } else {
      ++it;
    }
  }
  return dropped;
}

void Collection::forEachTombstone(std::int64_t upToVersion,
                                  const std::function<void(const std::string&)>& visit) const {
  for (const auto& [id, e] : entities_)
    if (e.deleted && (upToVersion < 0 || e.version <= upToVersion)) visit(id);
}

void Collection::forEachLive(
    const std::function<void(const std::string&, const json&)>& visit) const {
  for (const auto& [id, e] : entities_)
    if (!e.deleted && overlay_.count(id) == 0) visit(id, treeFromStored(e.text));
  for (const auto& [id, view] : overlay_)
    if (view.live()) visit(id, overlayTree(view));
}

void Collection::forEachLiveFields(const std::vector<std::string>& fields,
                                   const std::function<void(const std::string&, const json&)>& visit) const {
  json scratch = json::object();
  for (const auto& [id, e] : entities_) {
    if (e.deleted || overlay_.count(id) != 0) continue;
    fieldsFromStored(e.text, fields, scratch);
    visit(id, scratch);
  }
  for (const auto& [id, view] : overlay_)
    if (view.live()) visit(id, overlayTree(view));
}

}  // namespace syncore

namespace syncore {

WriteResult Collection::overwrite(const std::string& id, std::int64_t version, json* data) {
  return overwriteAt(slot(id), version, data);
}

WriteResult Collection::overwriteText(const std::string& id, std::int64_t version, EntityText entity) {
  return overwriteTextAt(slot(id), version, std::move(entity));
}

WriteResult Collection::overwriteAt(Slot s, std::int64_t version, json* data) {
  if (data == nullptr) return overwriteStored(s, version, std::string(), 0, nullptr);
  std::string text = storedText(*data);
  return overwriteStored(s, version, std::move(text), syncore::approxBytes(*data), data);
}

WriteResult Collection::overwriteTextAt(Slot s, std::int64_t version, EntityText entity) {
  return overwriteStored(s, version, std::move(entity.text), entity.bytes, nullptr);
}

// text empty: a tombstone (an entity's canonical text is never empty).
WriteResult Collection::overwriteStored(Slot s, std::int64_t version, std::string text, std::size_t bytes,
                                        const json* tree) {
  lastWriteKeptData_ = false;
  Entity& e = *s.entity;
  const bool overlaid = e.overlaid;
  const bool wasLive = !s.fresh && !e.deleted;
  const bool live = !text.empty();
  if (!s.fresh && e.version == version && wasLive == live && (!live || sameData(e, text, tree)))
    return WriteResult::Ignored;  // already the server's word
  lastWriteKeptData_ = wasLive && live && e.text == text;
  bytes_ -= e.bytes;
  e.bytes = kEntryOverhead + s.id->capacity() + (live ? bytes : 0);
  e.text = std::move(text);
  if (live) fillRow(e, tree);
  else e.indexed.reset();
  e.version = version;
  e.deleted = !live;
  bytes_ += e.bytes;
  if (live != wasLive) {
    live_ = live_ + (live ? 1 : 0) - (wasLive ? 1 : 0);
    if (!overlaid) viewLive_ = viewLive_ + (live ? 1 : 0) - (wasLive ? 1 : 0);
  }
  if (live) return wasLive ? WriteResult::Updated : WriteResult::Created;
  return wasLive ? WriteResult::Deleted : WriteResult::Ignored;
}

bool Collection::erase(const std::string& id) {
  auto it = entities_.find(id);
  if (it == entities_.end()) return false;
  if (!it->second.deleted) {
    --live_;
    if (!hasOverlay(id)) --viewLive_;
  }
  bytes_ -= it->second.bytes;
  entities_.erase(it);
  ++erasures_;
  return true;
}

}  // namespace syncore
