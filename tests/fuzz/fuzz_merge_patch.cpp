// Fuzz target: merge-patch diff, application and composition. Input: a JSON array [a, b, c] of
// objects. Invariants (RFC 7396):
//   apply(a, diff(a, b)) == b                      when b holds no null (a null cannot be a value)
//   apply(apply(a, p), q) == apply(a, compose(p, q)) for patches p = diff(a, b), q = diff(b, c)
//     whenever mergePatchesCompose(p, q) says they compose (the outbox folds only then)
//   diff(a, a) is empty.
#include "fuzz_support.hpp"
#include "base/merge_patch.hpp"

namespace {

bool holdsNull(const fuzz::json& v) {
  if (v.is_null()) return true;
  if (v.is_object())
    for (const auto& item : v.items())
      if (holdsNull(item.value())) return true;
  return false;  // inside arrays a null is a value like any other
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::json input;
  syncore::ParseLimits limits;
  limits.maxBytes = 1u << 16;
  limits.maxDepth = 32;
  if (!syncore::parseJson(fuzz::asText(data, size), input, limits)) return 0;
  if (!input.is_array() || input.size() < 2) return 0;
  const fuzz::json& a = input[0];
  const fuzz::json& b = input[1];
  const fuzz::json c = input.size() > 2 ? input[2] : fuzz::json::object();
  // Any patch, even a non-object, applies without aborting.
  (void)syncore::applyMergePatch(a, b);
  (void)syncore::patchPaths(b);
  fuzz::json anyInto = a;
  syncore::composeMergePatches(anyInto, b);
  if (!a.is_object() || !b.is_object() || !c.is_object()) return 0;

  const fuzz::json p = syncore::createMergePatch(a, b);
  fuzz::require(syncore::createMergePatch(a, a).empty(), "diff(a, a) is not empty", a.dump());
  if (holdsNull(b))
    return 0;
  const fuzz::json ab = syncore::applyMergePatch(a, p);
  fuzz::require(ab == b, "apply(a, diff(a, b)) != b",
                "a=" + a.dump() + "\nb=" + b.dump() + "\npatch=" + p.dump() + "\ngot=" + ab.dump());
  if (holdsNull(c)) return 0;
  const fuzz::json q = syncore::createMergePatch(b, c);
  fuzz::json pq = p;
  syncore::composeMergePatches(pq, q);
  const fuzz::json sequential = syncore::applyMergePatch(syncore::applyMergePatch(a, p), q);
  const fuzz::json composed = syncore::applyMergePatch(a, pq);
  fuzz::require(sequential == c, "apply(b, diff(b, c)) != c", "b=" + b.dump() + "\nc=" + c.dump());
  if (!syncore::mergePatchesCompose(p, q)) return 0;  // the outbox keeps such edits apart
  fuzz::require(composed == sequential, "apply(a, compose(p, q)) != apply(apply(a, p), q)",
                "a=" + a.dump() + "\np=" + p.dump() + "\nq=" + q.dump() + "\ncompose=" + pq.dump() +
                    "\nsequential=" + sequential.dump() + "\ncomposed=" + composed.dump());
  return 0;
}
