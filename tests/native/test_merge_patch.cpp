#include <catch2/catch.hpp>

#include "base/merge_patch.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_merge_patch {

using namespace syncore;

TEST_CASE("merge_patch: a patch made from two versions turns one into the other") {
  json from = json::parse(R"({"id":"1","title":"a","meta":{"owner":"ann","tags":["x"],"gone":1},"drop":true})");
  json to = json::parse(R"({"id":"1","title":"b","meta":{"owner":"ann","tags":["x","y"],"new":{"k":2}}})");
  json patch = createMergePatch(from, to);
  CHECK(patch == json::parse(R"({"title":"b","meta":{"tags":["x","y"],"gone":null,"new":{"k":2}},"drop":null})"));
  CHECK(applyMergePatch(from, patch) == to);
  CHECK(createMergePatch(to, to) == json::object());
}

TEST_CASE("merge_patch: keys that need pointer escaping survive") {
  json from = json::parse(R"({"a/b":1,"c~d":{"e":1}})");
  json to = json::parse(R"({"a/b":2,"c~d":{"e":2}})");
  json patch = createMergePatch(from, to);
  CHECK(patch == json::parse(R"({"a/b":2,"c~d":{"e":2}})"));
  CHECK(applyMergePatch(from, patch) == to);
}

TEST_CASE("merge_patch: composition equals applying in sequence") {
  json doc = json::parse(R"({"a":1,"b":{"c":1,"d":2},"e":"x"})");
  json p1 = json::parse(R"({"a":2,"b":{"c":null}})");
  json p2 = json::parse(R"({"b":{"d":3},"e":null,"f":[1]})");
  json composed = p1;
  composeMergePatches(composed, p2);
  CHECK(applyMergePatch(doc, composed) == applyMergePatch(applyMergePatch(doc, p1), p2));
  CHECK(composed["e"].is_null());  // the removal is kept, not applied to the patch
  CHECK(composed["b"]["c"].is_null());
}

TEST_CASE("merge_patch: applying to null starts from an empty object") {
  CHECK(applyMergePatch(nullptr, json::parse(R"({"a":1,"b":null})")) == json::parse(R"({"a":1})"));
}

TEST_CASE("merge_patch: paths list the leaves a patch touches") {
  auto paths = patchPaths(json::parse(R"({"a":1,"b":{"c":null,"d":{"e":[1]}},"f":{}})"));
  CHECK(paths == std::vector<std::string>{"a", "b.c", "b.d.e", "f"});
}
}  // namespace test_merge_patch
