#include "records/redaction.hpp"

#include <cctype>

namespace syncore {

namespace {

bool isIndex(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char ch : s)
    if (!std::isdigit(ch)) return false;
  return true;
}

// An array met with a non-numeric segment gets the rest of the path removed from every element:
// a sensitive field inside a list of sub-objects must not survive in any of them. Returns whether
// anything was removed.
bool removePath(json& node, const std::vector<std::string>& segments, std::size_t at) {
  if (!node.is_structured() || at >= segments.size()) return false;
  const std::string& head = segments[at];
  const bool last = at + 1 == segments.size();
  if (node.is_array()) {
    if (!isIndex(head)) {
      bool removed = false;
      for (json& item : node) removed = removePath(item, segments, at) || removed;
      return removed;
    }
    std::size_t i = 0;
    for (unsigned char ch : head) {
      i = i * 10 + (ch - '0');
      if (i >= node.size()) return false;  // past the end (and no overflow on long digit runs)
    }
    if (!last) return removePath(node[i], segments, at + 1);
    node[i] = nullptr;  // an array keeps its length (a hole, as JSON writes it)
    return true;
  }
  auto it = node.find(head);
  if (it == node.end()) return false;
  if (!last) return removePath(*it, segments, at + 1);
  node.erase(it);
  return true;
}

const std::string* stringAt(const json& holder, const char* field) {
  if (!holder.is_object()) return nullptr;
  auto it = holder.find(field);
  return it != holder.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

json* childOf(json* holder, const char* field) {
  if (holder == nullptr || !holder->is_object()) return nullptr;
  auto it = holder->find(field);
  return it == holder->end() ? nullptr : &*it;
}

// Removes the paths from holder[field]; a payload that lost any says which.
void redactField(json* holder, const char* field, const SensitiveFields& sensitive) {
  json* target = childOf(holder, field);
  if (target == nullptr || !target->is_structured()) return;
  json removed = json::array();
  for (std::size_t i = 0; i < sensitive.paths.size(); ++i)
    if (removePath(*target, sensitive.segments[i], 0)) removed.push_back(sensitive.paths[i]);
  if (std::string(field) == "payload" && !removed.empty()) (*holder)["redactedFields"] = std::move(removed);
}

}  // namespace

SensitiveFields sensitiveFieldsFromJson(const json& option) {
  SensitiveFields out;
  if (!option.is_array()) return out;
  for (const json& p : option) {
    if (!p.is_string()) continue;
    const std::string& path = p.get_ref<const std::string&>();
    std::vector<std::string> segments;
    std::size_t start = 0;
    for (;;) {
      const std::size_t dot = path.find('.', start);
      segments.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    out.paths.push_back(path);
    out.segments.push_back(std::move(segments));
  }
  return out;
}

void redactRecord(json& record, const SensitiveLookup& lookup) {
  const std::string* store = stringAt(record, "store");
  json* value = childOf(&record, "value");
  if (store == nullptr || value == nullptr || !value->is_object()) return;
  const std::string* collection = nullptr;
  if (*store == "entities") {
    const json* key = childOf(&record, "key");
    if (key != nullptr && key->is_array() && !key->empty() && (*key)[0].is_string())
      collection = &(*key)[0].get_ref<const std::string&>();
  } else if (*store == "deadLetters") {
    const json* entry = childOf(value, "entry");
    collection = entry != nullptr ? stringAt(*entry, "collection") : nullptr;
  } else {
    collection = stringAt(*value, "collection");
  }
  if (collection == nullptr) return;
  const SensitiveFields* sensitive = lookup(*collection);
  if (sensitive == nullptr || sensitive->empty()) return;
  if (*store == "entities") {
    redactField(value, "data", *sensitive);
  } else if (*store == "outbox" || *store == "deadLetters") {
    json* entry = *store == "outbox" ? value : childOf(value, "entry");
    redactField(entry, "payload", *sensitive);
    redactField(childOf(entry, "meta"), "base", *sensitive);
  } else if (*store == "conflicts") {
    for (const char* side : {"base", "local", "remote", "patch"}) redactField(value, side, *sensitive);
  }
}

}  // namespace syncore
