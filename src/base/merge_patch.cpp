#include "base/merge_patch.hpp"

namespace syncore {

namespace {

// Unescapes one RFC 6901 reference token.
std::string unescapeToken(const std::string& token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

std::vector<std::string> splitPointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  std::size_t start = 1;  // pointers from json::diff start with '/'
  while (start <= pointer.size()) {
    std::size_t slash = pointer.find('/', start);
    if (slash == std::string::npos) slash = pointer.size();
    tokens.push_back(unescapeToken(pointer.substr(start, slash - start)));
    start = slash + 1;
  }
  return tokens;
}

void collectPaths(const json& patch, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it.value().is_object() && !it.value().empty()) collectPaths(it.value(), path, out);
    else out.push_back(std::move(path));
  }
}

}  // namespace

json createMergePatch(const json& from, const json& to) {
  json patch = json::object();
  if (!from.is_object() || !to.is_object()) return to;
  // json::diff gives RFC 6902 operations; each becomes a merge-patch field. A path that runs
  // through an array is cut at the array, which is then replaced whole.
  const json ops = json::diff(from, to);
  for (const json& op : ops) {
    const auto& kind = op["op"].get_ref<const std::string&>();
    const auto tokens = splitPointer(op["path"].get_ref<const std::string&>());
    if (tokens.empty()) continue;
    const json* source = &to;
    json* target = &patch;
    bool replacedWhole = false;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string& key = tokens[i];
      const bool last = i + 1 == tokens.size();
      auto next = source->is_object() ? source->find(key) : source->end();
      if (!last && next != source->end() && next->is_array()) {
        (*target)[key] = *next;  // arrays are atomic in merge patches
        replacedWhole = true;
        break;
      }
      if (last) {
        if (kind == "remove") (*target)[key] = nullptr;
        else (*target)[key] = next != source->end() ? *next : json(nullptr);
        replacedWhole = true;
        break;
      }
      if (next == source->end() || !next->is_object()) break;
      json& child = (*target)[key];
      if (!child.is_object()) child = json::object();
      target = &child;
      source = &*next;
    }
    (void)replacedWhole;
  }
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
