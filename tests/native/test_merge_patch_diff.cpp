#include <catch2/catch.hpp>

#include <random>

#include "base/merge_patch.hpp"

// createMergePatch is a direct recursive diff of two objects. It replaced a conversion of
// json::diff's RFC 6902 operations (and their JSON pointers) into a merge patch; that conversion is
// kept here, as it was in src/base/merge_patch.cpp, as the reference the new diff must equal on
// many random pairs of documents.
namespace test_merge_patch_diff {

using namespace syncore;

namespace {

std::string unescapeToken(const std::string& token) {
  std::string out;
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
  std::size_t start = 1;
  while (start <= pointer.size()) {
    std::size_t slash = pointer.find('/', start);
    if (slash == std::string::npos) slash = pointer.size();
    tokens.push_back(unescapeToken(pointer.substr(start, slash - start)));
    start = slash + 1;
  }
  return tokens;
}

// The former createMergePatch, unchanged but for its name.
json referenceMergePatch(const json& from, const json& to) {
  json patch = json::object();
  if (!from.is_object() || !to.is_object()) return to;
  const json ops = json::diff(from, to);
  for (const json& op : ops) {
    const auto& kind = op["op"].get_ref<const std::string&>();
    const auto tokens = splitPointer(op["path"].get_ref<const std::string&>());
    if (tokens.empty()) continue;
    const json* source = &to;
    json* target = &patch;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string& key = tokens[i];
      const bool last = i + 1 == tokens.size();
      auto next = source->is_object() ? source->find(key) : source->end();
      if (!last && next != source->end() && next->is_array()) {
        (*target)[key] = *next;
        break;
      }
      if (last) {
        if (kind == "remove") (*target)[key] = nullptr;
        else (*target)[key] = next != source->end() ? *next : json(nullptr);
        break;
      }
      if (next == source->end() || !next->is_object()) break;
      json& child = (*target)[key];
      if (!child.is_object()) child = json::object();
      target = &child;
      source = &*next;
    }
  }
  return patch;
}

// Random documents over a small alphabet of keys (so that two documents share most of them),
// with the keys a pointer must escape, every JSON type and the number types nlohmann calls equal
// (1, 1u and 1.0).
struct Documents {
  std::mt19937 rng;
  explicit Documents(unsigned seed) : rng(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

  std::string key() {
    static const char* const keys[] = {"a", "b", "c", "id", "a/b", "c~d", "~1", "", "é", "x.y"};
    return keys[pick(10)];
  }

  json scalar() {
    switch (pick(9)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return pick(3);                                   // signed
      case 3: return static_cast<std::uint64_t>(pick(3));       // unsigned
      case 4: return static_cast<double>(pick(3));              // float, integral
      case 5: return pick(3) + 0.5;
      case 6: return std::string(1 + pick(2), static_cast<char>('p' + pick(2)));
      case 7: return -0.0;
      default: return std::string();
    }
  }

  json value(int depth) {
    const int kind = depth <= 0 ? 0 : pick(5);
    if (kind <= 2) return scalar();
    if (kind == 3) {
      json a = json::array();
      for (int i = pick(4); i > 0; --i) a.push_back(value(depth - 1));
      return a;
    }
    json o = json::object();
    for (int i = pick(5); i > 0; --i) o[key()] = value(depth - 1);
    return o;
  }

  json object(int depth) {
    json o = json::object();
    for (int i = 1 + pick(6); i > 0; --i) o[key()] = value(depth - 1);
    return o;
  }

  // A changed copy of v: fields removed, added, replaced, or changed further down; arrays
  // shortened, grown or changed in place; or v unchanged.
  json edit(const json& v, int depth) {
    switch (pick(6)) {
      case 0: return v;
      case 1: return value(depth);
      default: break;
    }
    if (v.is_object()) {
      json o = v;
      for (int i = 1 + pick(3); i > 0; --i) {
        const std::string k = key();
        switch (pick(4)) {
          case 0: o.erase(k); break;
          case 1: o[k] = value(depth - 1); break;
          default:
            if (o.contains(k)) o[k] = edit(o[k], depth - 1);
            break;
        }
      }
      return o;
    }
    if (v.is_array()) {
      json a = v;
      switch (pick(3)) {
        case 0: if (!a.empty()) a.erase(a.end() - 1); break;
        case 1: a.push_back(value(depth - 1)); break;
        default: if (!a.empty()) a[0] = edit(a[0], depth - 1); break;
      }
      return a;
    }
    return value(depth);
  }
};

bool containsNull(const json& v) {
  if (v.is_null()) return true;
  if (!v.is_structured()) return false;
  for (const json& child : v)
    if (containsNull(child)) return true;
  return false;
}

}  // namespace

TEST_CASE("merge_patch diff: the direct diff equals json::diff's operations turned into a merge patch") {
  Documents docs(20261201);
  int withoutNulls = 0;
  for (int i = 0; i < 20000; ++i) {
    // Mostly objects (the entities this runs on); now and then a scalar or array on either side.
    const json from = i % 20 == 0 ? docs.value(2) : docs.object(4);
    const json to = i % 25 == 0 ? docs.value(3) : docs.edit(from, 4);
    const json patch = createMergePatch(from, to);
    const json expected = referenceMergePatch(from, to);
    INFO("from " << from.dump() << "\nto " << to.dump());
    // The texts, not ==: nlohmann calls 1, 1u and 1.0 equal, and the patch must carry to's own.
    REQUIRE(patch.dump() == expected.dump());
    if (from.is_object() && to.is_object() && !containsNull(to)) {
      ++withoutNulls;
      // A merge patch cannot set a null; and a field nlohmann calls equal (0 and -0.0, 1 and 1.0)
      // is no change, so the result equals `to` as nlohmann compares, not byte for byte.
      REQUIRE(applyMergePatch(from, patch) == to);
    }
  }
  CHECK(withoutNulls > 1000);  // the round trip was checked on a good share of the pairs
}

TEST_CASE("merge_patch diff: the cases the random pairs are built to reach, one by one") {
  auto check = [](const char* from, const char* to, const char* patch) {
    const json f = json::parse(from), t = json::parse(to);
    INFO(from << " -> " << to);
    CHECK(createMergePatch(f, t).dump() == json::parse(patch).dump());
    CHECK(referenceMergePatch(f, t).dump() == json::parse(patch).dump());
  };
  check(R"({"a":1})", R"({"a":1.0})", R"({})");                          // equal numbers: no field
  check(R"({"a":1})", R"({"a":2.0})", R"({"a":2.0})");                   // to's number as it is
  check(R"({"a":{"b":[1,{"c":1}]}})", R"({"a":{"b":[1,{"c":2}]}})", R"({"a":{"b":[1,{"c":2}]}})");
  check(R"({"a":{"b":1}})", R"({"a":[1]})", R"({"a":[1]})");             // object to array: whole
  check(R"({"a":{"b":1}})", R"({"a":{}})", R"({"a":{"b":null}})");
  check(R"({})", R"({"a":{}})", R"({"a":{}})");
  check(R"({"a":1})", R"({"a":null})", R"({"a":null})");                 // a null reads as removal
  check(R"({"a/b":{"~1":1}})", R"({"a/b":{"~1":2}})", R"({"a/b":{"~1":2}})");
  check(R"([1])", R"({"a":1})", R"({"a":1})");                           // not two objects: to whole
  check(R"({"a":1})", R"(3)", R"(3)");
}

}  // namespace test_merge_patch_diff
