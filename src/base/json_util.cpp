#include "base/json_util.hpp"

#include <algorithm>
#include <limits>

namespace syncore {

namespace {

// One linear scan over the bytes: nesting depth outside strings. Cheaper than a parser callback
// and it stops before nlohmann allocates anything for hostile input.
int maxNesting(std::string_view text, int limit) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '{' || c == '[') {
      if (++depth > limit) return depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return 0;
}

}  // namespace

Status parseJson(std::string_view text, json& out, const ParseLimits& limits) {
  if (text.size() > limits.maxBytes) {
    return Status::error(ErrorCode::TooLarge, "input of " + std::to_string(text.size()) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(limits.maxBytes));
  }
  if (maxNesting(text, limits.maxDepth) > limits.maxDepth) {
    return Status::error(ErrorCode::TooDeep,
                         "nesting deeper than " + std::to_string(limits.maxDepth) + " levels");
  }
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::error(ErrorCode::BadJson, "input is not valid JSON");
  out = std::move(parsed);
  return Status::ok();
}

int jsonDepth(const json& value, int limit) {
  if (!value.is_structured()) return 0;
  if (limit <= 0) return 1;  // already past the limit: no need to look further
  int deepest = 0;
  for (const json& child : value) {
    deepest = std::max(deepest, jsonDepth(child, limit - 1));
    if (deepest >= limit) break;  // this value is past the limit already
  }
  return deepest + 1;
}

Status checkDataDepth(const json& value, const ParseLimits& limits, const char* what) {
  if (jsonDepth(value, limits.maxDepth) <= limits.maxDepth) return Status::ok();
  return Status::error(ErrorCode::TooDeep, std::string(what) + " nests deeper than " +
                                               std::to_string(limits.maxDepth) + " levels");
}

std::string dumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

FieldPath splitPath(std::string_view dotted) {
  FieldPath parts;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    parts.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

const json* lookupPath(const json& root, const FieldPath& path) {
  const json* node = &root;
  for (const std::string& key : path) {
    if (node->is_object()) {
      auto it = node->find(key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (key.empty() || key.size() > 9) return nullptr;
      std::size_t index = 0;
      for (char c : key) {
        if (c < '0' || c > '9') return nullptr;
        index = index * 10 + static_cast<std::size_t>(c - '0');
      }
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

bool idFromJson(const json& value, std::string& out) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.empty()) return false;
    out = s;
    return true;
  }
  if (value.is_number_unsigned()) {
    out = std::to_string(value.get<std::uint64_t>());
    return true;
  }
  if (value.is_number_integer()) {
    out = std::to_string(value.get<std::int64_t>());
    return true;
  }
  return false;
}

bool int64FromJson(const json& value, std::int64_t& out) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out = static_cast<std::int64_t>(u);
    return true;
  }
  if (value.is_number_integer()) {
    out = value.get<std::int64_t>();
    return true;
  }
  return false;
}

std::size_t approxBytes(const json& value) {
  std::size_t total = sizeof(json);
  switch (value.type()) {
    case json::value_t::object:
      // std::map node: key string + value + red-black tree links.
      for (auto it = value.begin(); it != value.end(); ++it) {
        total += 48 + sizeof(std::string) + it.key().capacity() + approxBytes(it.value());
      }
      break;
    case json::value_t::array:
      total += sizeof(std::vector<json>);
      for (const auto& item : value) total += approxBytes(item);
      break;
    case json::value_t::string:
      total += sizeof(std::string) + value.get_ref<const std::string&>().capacity();
      break;
    default:
      break;
  }
  return total;
}

}  // namespace syncore
