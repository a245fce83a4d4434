// Field-level patches (RFC 7396 JSON merge patch) for optimistic updates: made by diffing an
// edited entity against the view (a recursive diff of the two objects), applied with json::merge_patch
// (which cannot fail), and composed when the outbox coalesces edits.
#pragma once
#include <string>
#include <vector>

#include "base/json_util.hpp"

namespace syncore {

// The merge patch that turns `from` into `to` (both objects). Arrays are replaced whole, as merge
// patches require; a removed field becomes null.
json createMergePatch(const json& from, const json& to);

// Applies a merge patch to a document (a copy); null target is treated as an empty object.
json applyMergePatch(json target, const json& patch);

// Folds `next` into `into` so that applying the result equals applying into then next. Unlike
// json::merge_patch on the patch itself, a null in `next` stays a null (a removal to send).
void composeMergePatches(json& into, const json& next);

// Whether composeMergePatches(into, next) is exact. It is not when `into` sets a field to a
// non-object (or removes it) and `next` then patches that field with an object: applied in turn,
// the second patch lands on an empty object; composed, it would merge into whatever the target
// held, and no merge patch can say "replace with exactly this object". Such edits stay separate.
bool mergePatchesCompose(const json& into, const json& next);

// Dotted paths of the leaves a patch touches ("a.b", "tags"): what a conflict check compares.
std::vector<std::string> patchPaths(const json& patch);

}  // namespace syncore
