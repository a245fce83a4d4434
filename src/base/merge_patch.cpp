#include "base/merge_patch.hpp"

namespace syncore {

namespace {

void collectPaths(const json& patch, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it.value().is_object() && !it.value().empty()) collectPaths(it.value(), path, out);
    else out.push_back(std::move(path));
  }
}

// Writes into patch (an object) the fields that turn object `from` into object `to`: a field gone
// is null, a new or changed one is to's value, an object in both is diffed field by field; arrays
// and scalars are replaced whole. Hand-written rather than json::diff + JSON pointers (what this
// was): the same patch (tests/native/test_merge_patch_diff.cpp compares them), without RFC 6902's
// operations and pointer code in the wasm.
void diffObjects(const json::object_t& from, const json::object_t& to, json::object_t& patch) {
  for (const auto& [key, before] : from) {
    auto after = to.find(key);
    if (after == to.end()) {
      patch.emplace(key, nullptr);
    } else if (before == after->second) {
      continue;
    } else if (before.is_object() && after->second.is_object()) {
      json child(json::value_t::object);
      diffObjects(before.get_ref<const json::object_t&>(), after->second.get_ref<const json::object_t&>(),
                  child.get_ref<json::object_t&>());
      patch.emplace(key, std::move(child));
    } else {
      patch.emplace(key, after->second);
    }
  }
  for (const auto& [key, after] : to) {
    if (from.find(key) == from.end()) patch.emplace(key, after);
  }
}

}  // namespace

json createMergePatch(const json& from, const json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  json patch(json::value_t::object);
  diffObjects(from.get_ref<const json::object_t&>(), to.get_ref<const json::object_t&>(),
              patch.get_ref<json::object_t&>());
  return patch;
}

json applyMergePatch(json target, const json& patch) {
  if (!target.is_object()) target = json::object();
  target.merge_patch(patch);
  return target;
}

void composeMergePatches(json& into, const json& next) {
  if (!next.is_object() || !into.is_object()) {
    into = next;
    return;
  }
  for (auto it = next.begin(); it != next.end(); ++it) {
    json& slot = into[it.key()];
    if (it.value().is_object() && slot.is_object()) composeMergePatches(slot, it.value());
    else slot = it.value();
  }
}

bool mergePatchesCompose(const json& into, const json& next) {
  if (!next.is_object() || !into.is_object()) return true;  // next replaces the whole document
  for (auto it = next.begin(); it != next.end(); ++it) {
    if (!it.value().is_object()) continue;
    auto slot = into.find(it.key());
    if (slot == into.end()) continue;
    if (!slot->is_object()) return false;
    if (!mergePatchesCompose(*slot, it.value())) return false;
  }
  return true;
}

std::vector<std::string> patchPaths(const json& patch) {
  std::vector<std::string> out;
  if (patch.is_object()) collectPaths(patch, "", out);
  return out;
}

}  // namespace syncore
