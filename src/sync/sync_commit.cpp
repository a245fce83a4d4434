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

// A local write touches one entity, a server batch thousands: the first few touches are found by
// a scan (no index), the index is built once a commit has more. The index keeps only a hash of
// (collection, id) and the touch's position: no copy of the key, and the equal hashes are told
// apart by comparing with the touch itself. It is an open-addressed table of positions (a
// node-based multimap allocated, and later freed, a node per touch of a large batch: ~300 of a
// remote upsert's instructions).
constexpr std::size_t kScannedTouches = 8;

std::size_t touchHash(const Collection* c, const std::string& id) {
  return std::hash<std::string_view>{}(id) ^ (std::hash<const Collection*>{}(c) * 0x9E3779B97F4A7C15ull);
}

// The (collection, id) being touched, hashed only once the index is in use: a local write's few
// touches never are.
struct TouchKey {
  const Collection* collection;
  const std::string& id;
  std::optional<std::size_t> cached;
  std::size_t hash() {
    if (!cached) cached = touchHash(collection, id);
    return *cached;
  }
};

// Where the key is among the commit's touches, or touched.size() when it is not.
template <class Work>
std::size_t findTouch(const Work& work, TouchKey& key) {
  if (work.touched.size() <= kScannedTouches) {
    for (std::size_t i = 0; i < work.touched.size(); ++i)
      if (work.touched[i].collection == key.collection && work.touched[i].id == key.id) return i;
    return work.touched.size();
  }
  const std::size_t mask = work.touchSlots.size() - 1;
  for (std::size_t i = key.hash() & mask;; i = (i + 1) & mask) {
    const std::uint32_t slot = work.touchSlots[i];
    if (slot == 0) return work.touched.size();
    const auto& t = work.touched[slot - 1];
    if (work.touchHashes[slot - 1] == key.hash() && t.collection == key.collection && t.id == key.id) return slot - 1;
  }
}

// Touch `at` in the table's first free slot from its hash on.
template <class Work>
void placeTouch(Work& work, std::size_t at) {
  const std::size_t mask = work.touchSlots.size() - 1;
  std::size_t i = work.touchHashes[at] & mask;
  while (work.touchSlots[i] != 0) i = (i + 1) & mask;
  work.touchSlots[i] = static_cast<std::uint32_t>(at + 1);
}

// Files the touch just appended (key) in the index, once the commit has more than the scan looks
// at. The table stays at most half full (short probes): past that it is made twice as large.
template <class Work>
void indexLastTouch(Work& work, const TouchKey& key) {
  const std::size_t n = work.touched.size();
  if (n <= kScannedTouches) return;
  if (work.touchHashes.empty()) {  // the first time: the ones before it too
    for (std::size_t i = 0; i + 1 < n; ++i) work.touchHashes.push_back(touchHash(work.touched[i].collection, work.touched[i].id));
  }
  const auto& last = work.touched.back();  // the key's own id may be gone with the push's reallocation
  work.touchHashes.push_back(key.cached ? *key.cached : touchHash(last.collection, last.id));
  if (2 * n <= work.touchSlots.size()) return placeTouch(work, n - 1);
  std::size_t size = 64;
  while (size < 4 * n) size *= 2;
  work.touchSlots.assign(size, 0);
  for (std::size_t i = 0; i < n; ++i) placeTouch(work, i);
}

// The touch index after a commit: dropped whole (its memory freed), not kept for the next one,
// whose touches are mostly few; an index that was never built (a commit of eight touches or
// fewer) is left alone.
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
void clearTouches(Work& work) {
  if (work.touched.capacity() > kKeptTouches) decltype(work.touched)().swap(work.touched);
  else work.touched.clear();
  dropTouchIndex(work);
}

}  // namespace

void SyncCore::beginCommit(std::int64_t nowMs) {
  if (nowMs > lastNow_) lastNow_ = nowMs;
  clearTouches(work_);
}

// Remembers an entity's view before its first change in this commit. compare: keep a copy to
// tell a real change from a rewrite with the same content (acks, rebases); server writes on
// entities without pending mutations skip the copy, the store already ignores no-op writes.
void SyncCore::touch(Collection* c, const std::string& id, bool compare) {
  TouchKey key{c, id, std::nullopt};
  if (const std::size_t at = findTouch(work_, key); at < work_.touched.size()) {
    Touch& t = work_.touched[at];
    if (compare && !t.compare && !t.liveBefore) t.compare = true;  // nothing to copy: was absent
    return;
  }
  const bool liveBefore = c->has(id);
  Touch t{c, id, liveBefore, compare, json()};
  if (compare && liveBefore) t.before = c->get(id).release();
  work_.touched.push_back(std::move(t));
  indexLastTouch(work_, key);
}

// For a write already made on an entity without pending mutations: its liveness before the
// write is known from the store's answer, so nothing needs copying.
void SyncCore::touchKnown(Collection* c, const std::string& id, bool liveBefore) {
  TouchKey key{c, id, std::nullopt};
  if (findTouch(work_, key) < work_.touched.size()) return;
  work_.touched.push_back(Touch{c, id, liveBefore, false, json()});
  indexLastTouch(work_, key);
}

void SyncCore::collectChanges(Commit& out) {
  const Collection* last = nullptr;  // touches come in runs of one collection: look it up once a run
  CollectionChanges* changes = nullptr;
  for (Touch& t : work_.touched) {
    const bool liveAfter = t.collection->has(t.id);
    if (t.liveBefore == liveAfter && (!liveAfter || (t.compare && *t.collection->get(t.id) == t.before))) continue;
    if (t.collection != last) {
      last = t.collection;
      changes = &out.changes.collections[t.collection->name()];
    }
    if (t.liveBefore && liveAfter) changes->updated.push_back(std::move(t.id));  // touched is cleared below
    else if (liveAfter) changes->created.push_back(std::move(t.id));
    else changes->deleted.push_back(std::move(t.id));
  }
  clearTouches(work_);
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
