// Every name that crosses the boundary, in one place: each enum is one table (enumerator, wire
// name), and the tables make the enum, its name function and its parser. The JS/TS mirror
// (js/generated/vocabulary.js, .d.ts) is generated from these same tables at build time by
// scripts/gen_vocabulary.mjs, so C++ and JS cannot drift apart unnoticed
// (tests/node/vocabulary_drift.test.js, tests/native/test_vocabulary.cpp).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

// Error codes of a failed call (a SyncError's code in JS).
#define SYNCORE_ERROR_CODES(X)                                                                  \
  X(Ok, "OK")                                                                                   \
  X(BadJson, "BAD_JSON")                     /* text is not valid JSON (or not valid UTF-8) */  \
  X(WrongType, "WRONG_TYPE")                 /* a field has the wrong JSON type */              \
  X(MissingId, "MISSING_ID")                 /* an entity or operation carries no usable id */  \
  X(IdMismatch, "ID_MISMATCH")               /* the operation's id and the entity's disagree */ \
  X(UnknownCollection, "UNKNOWN_COLLECTION") /* the collection was never defined */             \
  X(UnknownOp, "UNKNOWN_OP")                 /* an operation name the core does not know */     \
  X(BadQuery, "BAD_QUERY")                   /* a query spec that cannot be evaluated */        \
  X(UnknownQuery, "UNKNOWN_QUERY")           /* a live-query handle that does not exist */      \
  X(UnknownSubscription, "UNKNOWN_SUBSCRIPTION")                                                \
  X(TooLarge, "TOO_LARGE")                   /* input over the configured size limit */         \
  X(TooDeep, "TOO_DEEP")                     /* nesting deeper than the configured limit */     \
  X(InvalidArgument, "INVALID_ARGUMENT")     /* any other malformed argument */                 \
  X(NotFound, "NOT_FOUND")                   /* the entity (conflict, dead letter) is absent */ \
  X(AlreadyExists, "ALREADY_EXISTS")         /* a create for an id already in the view */       \
  X(NotConfigured, "NOT_CONFIGURED")         /* a call that needs configureClient first */      \
  X(CorruptRecord, "CORRUPT_RECORD")         /* a persisted record that cannot be read back */  \
  X(AlreadySent, "ALREADY_SENT")             /* cancel of a mutation the server may have had */

#define SYNCORE_PRIORITIES(X) X(Low, "low") X(Normal, "normal") X(High, "high") X(Critical, "critical")

#define SYNCORE_MUTATION_KINDS(X) X(Create, "create") X(Update, "update") X(Delete, "delete")

// Forbidden: no permission for this one mutation (403); final like Validation, but named apart so
// the app can tell "not allowed" from "not valid". TooLarge: larger than the server takes in one
// push, so it can never be sent (found here, never sent); final too, until edited smaller.
// Expired: it waited longer than its expireAfterMs (docs/queue_control.md); final until retried.
#define SYNCORE_ERROR_CLASSES(X)                                                             \
  X(Transient, "transient") X(Auth, "auth") X(Validation, "validation") X(Conflict, "conflict") \
  X(Storage, "storage") X(Forbidden, "forbidden") X(TooLarge, "too-large")          \
  X(Expired, "expired")

#define SYNCORE_STRATEGIES(X)                                                                  \
  X(ServerWins, "server-wins") X(ClientWins, "client-wins") X(LastWriteWins, "last-write-wins") \
  X(Merge, "merge") X(Custom, "custom") X(Manual, "manual")

#define SYNCORE_CACHE_STATUSES(X) X(Miss, "miss") X(Fresh, "fresh") X(Stale, "stale")

// A commit's effects, carried out in this order by the shim: set-aside, persist, send, wake.
#define SYNCORE_EFFECT_KINDS(X) X(SetAside, "set-aside") X(Persist, "persist") X(Send, "send") X(Wake, "wake")

// A commit's events for the app.
#define SYNCORE_EVENT_TYPES(X)                                                                 \
  X(Queued, "queued") X(Settled, "settled") X(Conflict, "conflict")                             \
  X(AuthRequired, "auth-required") X(Resynced, "resynced") X(ChangeSetAside, "change-set-aside") \
  X(RecordRefused, "record-refused") X(ReferenceNeeded, "reference-needed")

// How a mutation ended (a "settled" event's status).
#define SYNCORE_SETTLE_STATUSES(X)                                                        \
  X(Acked, "acked") X(DeadLetter, "dead-letter") X(Cancelled, "cancelled")                 \
  X(Overridden, "overridden") X(Merged, "merged") X(Conflict, "conflict")

// The stores of the persisted records ({store, key, value}).
#define SYNCORE_STORES(X)                                                                 \
  X(Entities, "entities") X(Outbox, "outbox") X(DeadLetters, "deadLetters")               \
  X(Conflicts, "conflicts") X(Meta, "meta")

namespace syncore {

#define SYNCORE_ENUMERATOR(e, name) e,
#define SYNCORE_NAME(e, name) name,
#define SYNCORE_VOCABULARY(Type, TABLE, nameFn, parseFn)                                    \
  enum class Type { TABLE(SYNCORE_ENUMERATOR) };                                            \
  inline constexpr const char* k##Type##Names[] = {TABLE(SYNCORE_NAME)};                    \
  inline constexpr std::size_t k##Type##Count = sizeof(k##Type##Names) / sizeof(char*);     \
  inline const char* nameFn(Type v) {                                                       \
    const auto i = static_cast<std::size_t>(v);                                             \
    return i < k##Type##Count ? k##Type##Names[i] : "unknown";                              \
  }                                                                                         \
  /* false (out untouched) if the name is not in the table */                               \
  inline bool parseFn(std::string_view name, Type& out) {                                 \
    for (std::size_t i = 0; i < k##Type##Count; ++i)                                        \
      if (name == k##Type##Names[i]) return out = static_cast<Type>(i), true;               \
    return false;                                                                           \
  }

SYNCORE_VOCABULARY(ErrorCode, SYNCORE_ERROR_CODES, errorCodeName, errorCodeFromName)
SYNCORE_VOCABULARY(Priority, SYNCORE_PRIORITIES, priorityName, priorityFromName)
SYNCORE_VOCABULARY(MutationKind, SYNCORE_MUTATION_KINDS, mutationKindName, mutationKindFromName)
SYNCORE_VOCABULARY(ErrorClass, SYNCORE_ERROR_CLASSES, errorClassName, errorClassFromName)
SYNCORE_VOCABULARY(Strategy, SYNCORE_STRATEGIES, strategyName, strategyFromName)
SYNCORE_VOCABULARY(CacheStatus, SYNCORE_CACHE_STATUSES, cacheStatusName, cacheStatusFromName)
SYNCORE_VOCABULARY(EffectKind, SYNCORE_EFFECT_KINDS, effectKindName, effectKindFromName)
SYNCORE_VOCABULARY(EventType, SYNCORE_EVENT_TYPES, eventTypeName, eventTypeFromName)
SYNCORE_VOCABULARY(SettleStatus, SYNCORE_SETTLE_STATUSES, settleStatusName, settleStatusFromName)
SYNCORE_VOCABULARY(Store, SYNCORE_STORES, storeName, storeFromName)

#undef SYNCORE_VOCABULARY
#undef SYNCORE_NAME
#undef SYNCORE_ENUMERATOR

// Every table with its type name, as js/generated/vocabulary.js names it: fn(type, names, count)
// (tests/native/test_vocabulary.cpp checks the generated file against the compiled tables).
template <class Fn>
void forEachVocabulary(Fn&& fn) {
  fn("ErrorCode", kErrorCodeNames, kErrorCodeCount);
  fn("Priority", kPriorityNames, kPriorityCount);
  fn("MutationKind", kMutationKindNames, kMutationKindCount);
  fn("ErrorClass", kErrorClassNames, kErrorClassCount);
  fn("Strategy", kStrategyNames, kStrategyCount);
  fn("CacheStatus", kCacheStatusNames, kCacheStatusCount);
  fn("EffectKind", kEffectKindNames, kEffectKindCount);
  fn("EventType", kEventTypeNames, kEventTypeCount);
  fn("SettleStatus", kSettleStatusNames, kSettleStatusCount);
  fn("Store", kStoreNames, kStoreCount);
}

}  // namespace syncore
