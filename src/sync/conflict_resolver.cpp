#include "sync/conflict_resolver.hpp"

#include <algorithm>
#include <utility>

#include "base/merge_patch.hpp"

namespace syncore {

namespace {

// One leaf of a merge patch, kept as keys (keys may contain dots) and as the dotted name that
// rules and reports use.
struct PatchLeaf {
  FieldPath keys;
  std::string dotted;
};

void collectLeaves(const json& patch, FieldPath& prefix, std::vector<PatchLeaf>& out) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    prefix.push_back(it.key());
    if (it.value().is_object() && !it.value().empty()) {
      collectLeaves(it.value(), prefix, out);
    } else {
      std::string dotted;
      for (const std::string& key : prefix) {
        if (!dotted.empty()) dotted += '.';
        dotted += key;
      }
      out.push_back({prefix, std::move(dotted)});
    }
    prefix.pop_back();
  }
}

std::vector<PatchLeaf> leavesOf(const json& patch) {
  std::vector<PatchLeaf> out;
  FieldPath prefix;
  if (patch.is_object()) collectLeaves(patch, prefix, out);
  return out;
}

std::vector<std::string> sortedNames(const std::vector<PatchLeaf>& leaves) {
  std::vector<std::string> names;
  names.reserve(leaves.size());
  for (const PatchLeaf& leaf : leaves) names.push_back(leaf.dotted);
  std::sort(names.begin(), names.end());
  return names;
}

// Walks objects only: merge patches treat arrays as atomic values, so a patch never reaches
// inside one. The first `depth` keys are used.
const json* findInObjects(const json& root, const FieldPath& keys, std::size_t depth) {
  const json* node = &root;
  for (std::size_t i = 0; i < depth; ++i) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(keys[i]);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

// Absent on both sides is the same; absent on one side only is a difference.
bool sameValue(const json* a, const json* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return *a == *b;
}

// Whether the remote changed what this patch leaf touches. Besides the leaf itself, an enclosing
// object that the remote replaced by a scalar, an array or nothing counts: applying the patch
// would rebuild that object and silently undo the remote change. A remote value equal to the
// local result is agreement, not a conflict.
bool leafConflicts(const PatchLeaf& leaf, const json& base, const json& remote,
                   const json& localEntity) {
  const std::size_t n = leaf.keys.size();
  for (std::size_t depth = 1; depth < n; ++depth) {
    const json* remoteAt = findInObjects(remote, leaf.keys, depth);
    if (remoteAt != nullptr && remoteAt->is_object()) continue;
    if (!sameValue(remoteAt, findInObjects(base, leaf.keys, depth))) return true;
  }
  const json* remoteAt = findInObjects(remote, leaf.keys, n);
  if (sameValue(remoteAt, findInObjects(base, leaf.keys, n))) return false;
  return !sameValue(remoteAt, findInObjects(localEntity, leaf.keys, n));
}

// Removes one leaf, and the enclosing objects it leaves empty: an empty object left behind would
// still turn a non-object remote value into {} when applied.
void removeLeaf(json& patch, const FieldPath& keys, std::size_t depth) {
  if (!patch.is_object() || depth >= keys.size()) return;
  auto it = patch.find(keys[depth]);
  if (it == patch.end()) return;
  if (depth + 1 == keys.size()) {
    patch.erase(it);
    return;
  }
  removeLeaf(*it, keys, depth + 1);
  if (it->is_object() && it->empty()) patch.erase(it);
}

bool localIsNewer(const ConflictCase& c) { return compareHlc(c.local.ts, c.remoteTs) > 0; }

FieldRule ruleFor(const MergeRules& rules, const std::string& path) {
  const std::string* best = nullptr;
  FieldRule rule = rules.defaultRule;
  for (const auto& entry : rules.byPath) {
    const std::string& prefix = entry.first;
    const bool covers = path == prefix || (path.size() > prefix.size() &&
                                           path.compare(0, prefix.size(), prefix) == 0 &&
                                           path[prefix.size()] == '.');
    if (covers && (best == nullptr || prefix.size() > best->size())) {
      best = &prefix;
      rule = entry.second;
    }
  }
  return rule;
}

bool localWinsField(const ConflictCase& c, const std::string& path) {
  switch (ruleFor(c.rules, path)) {
    case FieldRule::Server: return false;
    case FieldRule::Client: return true;
    case FieldRule::LastWriteWins: return localIsNewer(c);
  }
  return false;
}

// Whole-change winner for the strategies that pick one side; Merge's delete cases use the clock.
bool localWinsWhole(const ConflictCase& c) {
  switch (c.strategy) {
    case Strategy::ClientWins: return true;
    case Strategy::LastWriteWins:
    case Strategy::Merge: return localIsNewer(c);
    default: return false;
  }
}

json updatePatchOf(const ConflictCase& c) {
  // Pending patches are objects; anything else would replace the whole entity when applied.
  return c.local.patch.is_object() ? c.local.patch : json::object();
}

Resolution park(const ConflictCase& c, std::vector<std::string> paths) {
  Resolution r;
  r.outcome = Resolution::Outcome::Park;
  r.conflictingPaths = std::move(paths);
  if (c.local.kind == LocalChange::Kind::Delete) r.keepDelete = true;
  else r.patch = updatePatchOf(c);
  r.resolved = c.remote;
  return r;
}

Resolution resolveCustom(const ConflictCase& c, CustomResolver* custom,
                         std::vector<std::string> paths) {
  json merged = c.remote;
  if (custom == nullptr || !custom->resolve(c, merged)) return park(c, std::move(paths));
  if (!merged.is_null() && !merged.is_object()) return park(c, std::move(paths));
  Resolution r;
  r.outcome = Resolution::Outcome::Merged;
  r.conflictingPaths = std::move(paths);
  if (merged.is_null()) {
    r.keepDelete = !c.remote.is_null();  // already gone on the server: nothing left to send
    r.resolved = nullptr;
    return r;
  }
  r.patch = createMergePatch(c.remote, merged);
  r.resolved = applyMergePatch(c.remote, r.patch);
  return r;
}

Resolution resolveLocalDelete(const ConflictCase& c, CustomResolver* custom) {
  Resolution r;
  r.resolved = nullptr;
  if (c.remote.is_null()) return r;  // deleted on both sides: nothing left to do
  if (c.remote == c.base) {
    r.keepDelete = true;
    return r;
  }
  std::vector<std::string> paths = sortedNames(leavesOf(createMergePatch(c.base, c.remote)));
  if (c.strategy == Strategy::Manual) return park(c, std::move(paths));
  if (c.strategy == Strategy::Custom) return resolveCustom(c, custom, std::move(paths));
  r.conflictingPaths = std::move(paths);
  if (localWinsWhole(c)) {
    r.outcome = Resolution::Outcome::KeepLocal;
    r.keepDelete = true;
  } else {
    r.outcome = Resolution::Outcome::TakeRemote;
    r.resolved = c.remote;
  }
  return r;
}

Resolution resolveRemoteDeleted(const ConflictCase& c, CustomResolver* custom,
                                const json& patch, const std::vector<PatchLeaf>& leaves) {
  std::vector<std::string> paths = sortedNames(leaves);
  if (c.strategy == Strategy::Manual) return park(c, std::move(paths));
  if (c.strategy == Strategy::Custom) return resolveCustom(c, custom, std::move(paths));
  Resolution r;
  r.conflictingPaths = std::move(paths);
  if (localWinsWhole(c)) {
    // The server no longer has the entity, so a patch alone would recreate a fragment of it.
    r.outcome = Resolution::Outcome::KeepLocal;
    r.patch = applyMergePatch(c.base, patch);
    r.resolved = applyMergePatch(nullptr, r.patch);
  } else {
    r.outcome = Resolution::Outcome::TakeRemote;
    r.resolved = nullptr;
  }
  return r;
}

Resolution resolveLocalUpdate(const ConflictCase& c, CustomResolver* custom) {
  const json patch = updatePatchOf(c);
  const std::vector<PatchLeaf> leaves = leavesOf(patch);
  Resolution r;
  if (c.remote.is_null()) {
    if (!c.base.is_null()) return resolveRemoteDeleted(c, custom, patch, leaves);
    r.patch = patch;  // a pending create the server never saw: nothing to rebase
    r.resolved = applyMergePatch(nullptr, patch);
    return r;
  }

  const json localEntity = applyMergePatch(c.base, patch);
  std::vector<const PatchLeaf*> conflicting;
  for (const PatchLeaf& leaf : leaves) {
    if (leafConflicts(leaf, c.base, c.remote, localEntity)) conflicting.push_back(&leaf);
  }
  if (conflicting.empty()) {
    r.patch = patch;
    r.resolved = applyMergePatch(c.remote, patch);
    return r;
  }
  std::vector<std::string> paths;
  for (const PatchLeaf* leaf : conflicting) paths.push_back(leaf->dotted);
  std::sort(paths.begin(), paths.end());
  if (c.strategy == Strategy::Manual) return park(c, std::move(paths));
  if (c.strategy == Strategy::Custom) return resolveCustom(c, custom, std::move(paths));

  // Fields changed on one side only already come from that side: remote is the new base and the
  // patch carries only local changes. What remains is dropping the conflicting leaves local loses.
  json kept = patch;
  for (const PatchLeaf* leaf : conflicting) {
    const bool localWins =
        c.strategy == Strategy::Merge ? localWinsField(c, leaf->dotted) : localWinsWhole(c);
    if (!localWins) removeLeaf(kept, leaf->keys, 0);
  }
  if (kept.empty()) r.outcome = Resolution::Outcome::TakeRemote;
  else if (kept == patch) r.outcome = Resolution::Outcome::KeepLocal;
  else r.outcome = Resolution::Outcome::Merged;
  r.conflictingPaths = std::move(paths);
  r.resolved = applyMergePatch(c.remote, kept);
  r.patch = std::move(kept);
  return r;
}

}  // namespace

Resolution resolveConflict(const ConflictCase& c, CustomResolver* custom) {
  if (c.local.kind == LocalChange::Kind::Delete) return resolveLocalDelete(c, custom);
  return resolveLocalUpdate(c, custom);
}

}  // namespace syncore
