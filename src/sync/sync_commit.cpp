// Commit bookkeeping: what a call touched, classified at its end into the change set, the
// subscriptions and live queries to tell, the views a reader will ask for, and the effects.
#include <algorithm>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "sync/sync_core.hpp"

namespace syncore {

namespace {

// A commit's touches are found three ways. An entity the store holds carries its touch's
// position (Entity::commitMark): a remote write, holding the entity's slot, finds it with no hash
// of the id. A touch of an id the store did not hold (a local create), or any after an erase,
// is found by its id: the first few by a scan, then through an index built on that first need
// (so a server batch, all of whose touches are marked, never builds it). The index keeps only a
// hash of (collection, id) and the touch's position: no copy of the key, and the equal hashes
// are told apart by comparing with the touch itself. It is an open-addressed table of positions
// (a node-based multimap allocated, and later freed, a node per touch of a large batch: ~300 of
// a remote upsert's instructions).
constexpr std::size_t kScannedTouches = 8;

std::size_t touchHash(const Collection* c, const std::string& id) {
  return std::hash<std::string_view>{}(id) ^ (std::hash<const Collection*>{}(c) * 0x9E3779B97F4A7C15ull);
}

// Touch `at` in the table's first free slot from its hash on.
template <class Work>
void placeTouch(Work& work, std::size_t at) {
  const std::size_t mask = work.touchSlots.size() - 1;
  std::size_t i = work.touchHashes[at] & mask;
  while (work.touchSlots[i] != 0) i = (i + 1) & mask;
  work.touchSlots[i] = static_cast<std::uint32_t>(at + 1);
}

// Brings the index up to the commit's touches (those made since it was last used are hashed
// now). The table stays at most half full (short probes): past that it is made twice as large.
template <class Work>
void indexTouches(Work& work) {
  const std::size_t n = work.touched.size();
  std::size_t from = work.touchHashes.size();
  if (from == n) return;
  for (std::size_t i = from; i < n; ++i) work.touchHashes.push_back(touchHash(work.touched[i].collection, work.touched[i].id));
  if (2 * n > work.touchSlots.size()) {
    std::size_t size = 64;
    while (size < 4 * n) size *= 2;
    work.touchSlots.assign(size, 0);
    from = 0;
  }
  for (std::size_t i = from; i < n; ++i) placeTouch(work, i);
}

// The touch index after a commit: dropped whole (its memory freed), not kept for the next one,
// whose touches are mostly few; an index that was never built is left alone.
template <class Work>
void dropTouchIndex(Work& work) {
  if (work.touchHashes.empty()) return;
  work.touchSlots = {};
  work.touchHashes = {};
}

// A big commit (a 100,000-entity load) leaves touched's capacity behind, 40 B a touch in wasm32:
// memory the store does not need once the commit is done. Small commits keep theirs, so a write
// loop does not allocate every call.
constexpr std::size_t kKeptTouches = 1024;
template <class Work>
void emptyTouchList(Work& work) {
  if (work.touched.capacity() > kKeptTouches) decltype(work.touched)().swap(work.touched);
  else work.touched.clear();
}

}  // namespace

void SyncCore::beginCommit(std::int64_t nowMs) {
  if (nowMs > lastNow_) lastNow_ = nowMs;
  clearTouches();  // (a commit left unfinished: its marks go)
}

// c's erasures() when the commit first touched it; null while nothing of c is touched. Taken
// then, not for every collection at the commit's start: an erase before c's first touch can
// take no touched entity (nor its mark) with it.
const std::uint64_t* SyncCore::erasuresAtFirstTouch(const Collection* c) const {
  for (const auto& [col, erasures] : work_.erasuresAtFirstTouch)
    if (col == c) return &erasures;
  return nullptr;
}

// Where (c, id) is among the commit's touches, or touched.size() when it is not. entity: the
// store's entity for id when the caller has it, whose mark answers without the id while every
// touch is marked (none of an id the store lacked) and c erased nothing since its first touch.
std::size_t SyncCore::findTouch(const Collection* c, const std::string& id, const Entity* entity) {
  if (entity != nullptr && entity->commitMark != 0) return entity->commitMark - 1;
  const std::uint64_t* since = erasuresAtFirstTouch(c);
  if (since == nullptr) return work_.touched.size();  // nothing of c touched yet
  if (entity != nullptr && work_.unmarkedTouches == 0 && c->erasures() == *since) return work_.touched.size();
  return findTouchById(c, id);
}

std::size_t SyncCore::findTouchById(const Collection* c, const std::string& id) {
  const auto& touched = work_.touched;
  if (touched.size() <= kScannedTouches) {
    for (std::size_t i = 0; i < touched.size(); ++i)
      if (touched[i].collection == c && touched[i].id == id) return i;
    return touched.size();
  }
  indexTouches(work_);
  const std::size_t hash = touchHash(c, id);
  const std::size_t mask = work_.touchSlots.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint32_t slot = work_.touchSlots[i];
    if (slot == 0) return touched.size();
    const Touch& t = touched[slot - 1];
    if (work_.touchHashes[slot - 1] == hash && t.collection == c && t.id == id) return slot - 1;
  }
}

void SyncCore::addTouch(Touch t) {
  if (erasuresAtFirstTouch(t.collection) == nullptr)
    work_.erasuresAtFirstTouch.emplace_back(t.collection, t.collection->erasures());
  if (t.entity != nullptr) {
    t.entity->commitMark = static_cast<std::uint32_t>(work_.touched.size() + 1);
    t.erasures = t.collection->erasures();
  } else {
    ++work_.unmarkedTouches;
  }
  work_.touched.push_back(std::move(t));
}

// Touch `at`'s entity loses its mark (the commit is over).
void SyncCore::unmarkTouch(std::size_t at) {
  const Touch& t = work_.touched[at];
  if (t.entity == nullptr) return;  // no mark was set
  if (t.collection->erasures() == t.erasures) {
    t.entity->commitMark = 0;
    return;
  }
  // An erase since: the entity may be gone with it; one still held loses its mark.
  const Collection::Slot s = t.collection->existing(t.id);
  if (s.entity != nullptr && s.entity->commitMark == at + 1) s.entity->commitMark = 0;
}

// The commit's touches forgotten (their marks already gone: unmarkTouch).
void SyncCore::forgetTouches() {
  emptyTouchList(work_);
  work_.unmarkedTouches = 0;
  work_.erasuresAtFirstTouch.clear();
  dropTouchIndex(work_);
}

void SyncCore::clearTouches() {
  for (std::size_t i = 0; i < work_.touched.size(); ++i) unmarkTouch(i);
  forgetTouches();
}

// Remembers an entity's view before its first change in this commit. compare: keep a copy to
// tell a real change from a rewrite with the same content (acks, rebases); server writes on
// entities without pending mutations skip the copy, the store already ignores no-op writes.
void SyncCore::touch(Collection* c, const std::string& id, bool compare) { touch(c, c->existing(id), compare); }

void SyncCore::touch(Collection* c, const Collection::Slot& slot, bool compare) {
  const std::string& id = *slot.id;
  if (const std::size_t at = findTouch(c, id, slot.entity); at < work_.touched.size()) {
    Touch& t = work_.touched[at];
    if (compare && !t.compare && !t.liveBefore) t.compare = true;  // nothing to copy: was absent
    return;
  }
  // Not held: the view (an overlay, if any) tells; a fresh slot is blank: only its overlay tells.
  const bool liveBefore = slot.entity == nullptr ? c->has(id) : slot.fresh ? slot.entity->overlaid && c->has(id) : c->hasAt(slot);
  Touch t{c, id, liveBefore, compare, json(), slot.entity};
  if (compare && liveBefore) t.before = c->get(id).release();
  addTouch(std::move(t));
}

// For a write already made on an entity without pending mutations: its liveness before the
// write is known from the store's answer, so nothing needs copying.
void SyncCore::touchKnown(Collection* c, const std::string& id, bool liveBefore) {
  touchKnown(c, c->existing(id), liveBefore);
}

void SyncCore::touchKnown(Collection* c, const Collection::Slot& slot, bool liveBefore) {
  if (findTouch(c, *slot.id, slot.entity) < work_.touched.size()) return;
  addTouch(Touch{c, *slot.id, liveBefore, false, json(), slot.entity});
}

void SyncCore::collectChanges(Commit& out) {
  const Collection* last = nullptr;  // touches come in runs of one collection: look it up once a run
  CollectionChanges* changes = nullptr;
  for (std::size_t i = 0; i < work_.touched.size(); ++i) {
    Touch& t = work_.touched[i];
    // An entity held since the touch (no erase in its collection) is read in place, by no hash
    // of its id unless it has an overlay.
    const bool held = t.entity != nullptr && t.collection->erasures() == t.erasures;
    const bool liveAfter = held ? t.collection->hasAt({&t.id, t.entity, false}) : t.collection->has(t.id);
    unmarkTouch(i);  // before its id moves out
    if (t.liveBefore == liveAfter && (!liveAfter || (t.compare && *t.collection->get(t.id) == t.before))) continue;
    if (t.collection != last) {
      last = t.collection;
      changes = &out.changes.collections[t.collection->name()];
    }
    if (t.liveBefore && liveAfter) changes->updated.push_back(std::move(t.id));  // touched is cleared below
    else if (liveAfter) changes->created.push_back(std::move(t.id));
    else changes->deleted.push_back(std::move(t.id));
  }
  forgetTouches();
}

void SyncCore::finishCommit(Commit& out) {
  const std::size_t firstEffect = out.effects.size();
  // The sends first: an entry too large to send leaves the log there, which changes the view.
  pump(out);
  collectChanges(out);
  out.cursor = cursor_;
  out.notify = subscriptions_.affected(out.changes);
  updateQueries(out);
  collectViews(out);
  emitEffects(out, firstEffect);
  out.counts = counts();
}

CommitCounts SyncCore::counts() const {
  return {outbox_->size(), outbox_->deadLetters().size(), conflicts_.size(), setAside_, resyncing_};
}

void SyncCore::addView(Commit& out, const Collection& c, const std::string& id) const {
  auto& views = out.views[c.name()];
  if (views.count(id) != 0) return;  // once per id
  EntityRef view = c.get(id);
  if (view == nullptr) {
    if (views.empty()) out.views.erase(c.name());
    return;
  }
  // An overlay is borrowed; a confirmed entity's tree is built from its text and kept in the commit.
  if (c.hasOverlay(id)) {
    views.emplace(id, view.get());
  } else {
    out.builtViews.push_back(std::move(view).release());
    views.emplace(id, &out.builtViews.back());
  }
}

// The views a reader asks for right after this commit: the created or updated entities in a
// reported query window, or watched by a notified entity subscription.
void SyncCore::collectViews(Commit& out) {
  if (out.queries.empty() && out.notify.empty()) return;
  auto changedIn = [&](const std::string& collection) -> const CollectionChanges* {
    auto it = out.changes.collections.find(collection);
    return it == out.changes.collections.end() ? nullptr : &it->second;
  };
  // A commit of a few changes (a local write) looks its ids up in place; a batch builds sets.
  constexpr std::size_t kScanned = 8;
  auto fewChanged = [&](const std::string& collection, const std::string& id, bool& few) {
    const CollectionChanges* ch = changedIn(collection);
    few = ch == nullptr || ch->created.size() + ch->updated.size() <= kScanned;
    if (ch == nullptr || !few) return false;
    for (const auto* ids : {&ch->created, &ch->updated})
      if (std::find(ids->begin(), ids->end(), id) != ids->end()) return true;
    return false;
  };
  std::map<std::string, std::unordered_set<std::string>> live;  // created or updated, by collection
  auto isLive = [&](const std::string& collection, const std::string& id) {
    bool few = false;
    if (const bool found = fewChanged(collection, id, few); few) return found;
    auto [it, fresh] = live.try_emplace(collection);
    if (fresh) {
      if (const CollectionChanges* ch = changedIn(collection)) {
        it->second.insert(ch->created.begin(), ch->created.end());
        it->second.insert(ch->updated.begin(), ch->updated.end());
      }
    }
    return it->second.count(id) != 0;
  };
  for (const QueryUpdate& q : out.queries) {
    const std::string& name = queries_.at(q.query).query->spec().collection;
    const Collection* c = findCollection(name);
    for (const std::string& id : q.ids)
      if (isLive(name, id)) addView(out, *c, id);
  }
  // Subscriptions of one entity are notified together (a component and its children watching
  // the same row): that entity is looked at once, not once per subscription.
  const SubscriptionRegistry::Target* last = nullptr;
  for (std::uint32_t sub : out.notify) {
    const SubscriptionRegistry::Target* t = subscriptions_.target(sub);
    if (t == nullptr || t->id.empty()) continue;
    if (last != nullptr && last->id == t->id && last->collection == t->collection) continue;
    last = t;
    if (!isLive(t->collection, t->id)) continue;
    if (const Collection* c = findCollection(t->collection)) addView(out, *c, t->id);
  }
}

void SyncCore::updateQueries(Commit& out) {
  for (auto& [qid, open] : queries_) {
    const std::string& colName = open.query->spec().collection;
    auto changed = out.changes.collections.find(colName);
    if (changed == out.changes.collections.end() || changed->second.empty()) continue;
    const Collection* c = findCollection(colName);
    bool touched = false;
    std::unordered_set<std::string> changedIds;
    std::vector<const json*> values(open.query->fields().size());
    json scratch;
    for (const auto* ids : {&changed->second.created, &changed->second.updated, &changed->second.deleted}) {
      for (const auto& id : *ids) {
        const bool live = c->fieldValues(id, open.query->fields(), values.data(), scratch);
        touched = open.query->onChangeValues(id, live, values.data()) || touched;
        changedIds.insert(id);
      }
    }
    if (!touched) continue;
    // Report only when what a reader sees moved: other ids, a new total, or new data in the window.
    std::vector<std::string> window = open.query->window();
    bool visible = window != open.lastWindow || open.query->total() != open.lastTotal;
    for (std::size_t i = 0; !visible && i < window.size(); ++i) visible = changedIds.count(window[i]) != 0;
    if (!visible) continue;
    open.lastWindow = window;
    open.lastTotal = open.query->total();
    out.queries.push_back({qid, std::move(window), open.query->total()});
  }
}

// Effects in the order the shim must carry them out: durable first, then the network. Batches
// are taken before the persist effect is built so that their "sent" marks are durable too.
void SyncCore::emitEffects(Commit& out, std::size_t first) {
  if (persist_) {
    Effect persist = persistEffect();
    if (!persist.texts.empty() || !persist.fields["put"].empty() || !persist.fields["delete"].empty())
      out.effects.insert(out.effects.begin() + static_cast<std::ptrdiff_t>(first), std::move(persist));
  } else {
    work_.clearRecords();
  }
}

}  // namespace syncore
