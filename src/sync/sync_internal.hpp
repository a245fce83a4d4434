// Helpers shared by the sync_*.cpp files; not part of the core's API.
#pragma once
#include <string>

#include "sync/conflict_resolver.hpp"
#include "sync/mutation_request.hpp"
#include "sync/outbox.hpp"

namespace syncore::detail {

// The key of the core's own record in the meta store.
constexpr const char* kMetaKey = "core";

// Replaces every string equal to `from` (a temp id) by `to`, in place; true if any was found.
inline bool replaceString(json& value, const std::string& from, const std::string& to) {
  bool hit = false;
  if (value.is_string()) {
    if (value.get_ref<const std::string&>() == from) {
      value = to;
      hit = true;
    }
  } else if (value.is_structured()) {
    for (auto& child : value) hit = replaceString(child, from, to) || hit;
  }
  return hit;
}

inline const char* outcomeName(Resolution::Outcome o) {
  switch (o) {
    case Resolution::Outcome::NoConflict: return "no-conflict";
    case Resolution::Outcome::KeepLocal: return "keep-local";
    case Resolution::Outcome::TakeRemote: return "take-remote";
    case Resolution::Outcome::Merged: return "merged";
    case Resolution::Outcome::Park: return "parked";
  }
  return "unknown";
}

inline ConflictCase caseFor(const OutboxEntry& e, const json& remote, const HlcTimestamp& remoteTs,
                     Strategy strategy, const MergeRules& rules) {
  ConflictCase cc;
  cc.collection = e.collection;
  cc.id = e.entityId;
  cc.base = e.meta ? e.meta->baseValue() : json(nullptr);
  cc.remote = remote;
  cc.local.kind = e.kind == MutationKind::Delete ? LocalChange::Kind::Delete : LocalChange::Kind::Update;
  if (e.kind != MutationKind::Delete) cc.local.patch = e.payload;
  if (e.meta && e.meta->ts) cc.local.ts = *e.meta->ts;
  cc.remoteTs = remoteTs;
  if (!e.strategy.empty()) strategyFromName(e.strategy, strategy);
  cc.strategy = strategy;
  cc.rules = rules;
  return cc;
}

// A mutate request's queue options (docs/queue_control.md): "maxRetries" (a non-negative
// integer) and "expireAfterMs" (a positive integer; the deadline is nowMs + it). Both optional.
Status readQueueOptions(const MutationRequest& request, std::int64_t nowMs, OutboxMutation& m);

}  // namespace syncore::detail
