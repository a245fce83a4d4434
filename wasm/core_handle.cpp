// The CoreHandle methods of collections, server data, reads, the query cache and the client's
// configuration: each converts its JS arguments (wasm/core_handle_args.hpp: numbers to times,
// sequence numbers and cursors, JSON text to values), calls the core once and answers its
// envelope (src/wire/envelope.hpp). Each conversion that fails says why with its own error code;
// nothing here decides anything, the core does. The outbox, sync and persistence methods are in
// wasm/core_handle_sync.cpp, the hot text path in wasm/core_handle_text.cpp.
#include "core_handle.hpp"

#include <cmath>
#include <malloc.h>
#include <string_view>
#include <vector>

#include "core_handle_args.hpp"

namespace syncore {

// ---- conversions of this file's own arguments and answers -----------------------------------------

using namespace handle_args;

namespace {

Status readCacheOptions(const json& options, CacheEntryOptions& opts) {
  if (!options.is_object()) return wrongType("cache options must be an object");
  for (const char* field : {"ttl", "staleTime"}) {
    auto it = options.find(field);
    if (it == options.end()) continue;
    std::int64_t v = 0;
    if (!int64FromJson(*it, v) || v < 0) return wrongType(std::string(field) + " must be a non-negative integer (ms)");
    (std::string(field) == "ttl" ? opts.ttlMs : opts.staleMs) = v;
  }
  if (auto it = options.find("tags"); it != options.end()) {
    if (!it->is_array()) return wrongType("tags must be an array of strings");
    for (const json& t : *it) {
      if (!t.is_string()) return wrongType("tags must be an array of strings");
      opts.tags.push_back(t.get_ref<const std::string&>());
    }
  }
  return Status::ok();
}

Status readParseLimits(const json& options, ParseLimits& limits) {
  if (!options.is_object()) return wrongType("options must be an object");
  std::int64_t v = 0;
  if (auto it = options.find("maxMessageBytes"); it != options.end()) {
    if (!int64FromJson(*it, v) || v <= 0) return wrongType("maxMessageBytes must be a positive integer");
    limits.maxBytes = static_cast<std::size_t>(v);
  }
  if (auto it = options.find("maxDepth"); it != options.end()) {
    if (!int64FromJson(*it, v) || v <= 0 || v > 512) return wrongType("maxDepth must be an integer in 1..512");
    limits.maxDepth = static_cast<int>(v);
  }
  return Status::ok();
}

json queryUpdateToJson(const QueryUpdate& q) { return {{"id", q.query}, {"ids", q.ids}, {"total", q.total}}; }

json caseToJson(const ConflictCase& c) {
  return {{"collection", c.collection}, {"id", c.id}, {"base", c.base}, {"remote", c.remote},
          {"local", c.local.kind == LocalChange::Kind::Delete ? json(nullptr) : [&] {
             json local = c.base.is_object() ? c.base : json::object();
             local.merge_patch(c.local.patch);
             return local;
           }()},
          {"localPatch", c.local.patch},
          {"localKind", c.local.kind == LocalChange::Kind::Delete ? "delete" : "update"}};
}

}  // namespace

bool JsResolver::resolve(const ConflictCase& c, json& merged) {
  emscripten::val answer = fn_(dumpJson(caseToJson(c)));
  if (!answer.isString()) return false;  // undefined: cannot decide, park it
  json parsed;
  if (!parseJson(answer.as<std::string>(), parsed).isOk()) return false;
  if (!parsed.is_object() && !parsed.is_null()) return false;
  merged = std::move(parsed);
  return true;
}

Status readJsTime(double nowMs, std::int64_t& out) {
  return integralNumber(nowMs, out) ? Status::ok() : wrongType("now must be an integer (ms)");
}

CoreHandle::CoreHandle() = default;

std::string CoreHandle::commitOr(const Status& s, Commit& commit, const std::string& mutationId, ChangeIds ids) {
  if (!s) return envelopeError(s);
  commit.counts = core_.counts();  // also for a call that changed nothing (no finishCommit)
  sealed_.seal(commit);
  // written directly: no json tree, no copied effects
  return ids == ChangeIds::Lines ? envelopeCommitLines(commit) : envelopeCommit(commit, mutationId);
}

// ---- collections, server data, reads -------------------------------------------------------------

std::string CoreHandle::configure(const std::string& optionsJson) {
  json options;
  ParseLimits limits = core_.limits();
  if (Status s = readJson(core_, optionsJson, options); !s) return envelopeError(s);
  if (Status s = readParseLimits(options, limits); !s) return envelopeError(s);
  core_.setLimits(limits);
  return envelopeOk();
}

std::string CoreHandle::defineCollection(const std::string& name, const std::string& optionsJson) {
  json options;
  if (Status s = readJson(core_, optionsJson, options); !s) return envelopeError(s);
  return answer(core_.defineCollection(name, options));
}

std::string CoreHandle::apply(std::string_view batchJson, double nowMs) {
  std::int64_t now = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  Commit commit;
  Status s = core_.applyServerText(batchJson, now, commit);  // parses the text itself
  return commitOr(s, commit, {}, ChangeIds::Lines);
}

std::string CoreHandle::get(const std::string& collection, const std::string& id) {
  EntityRef entity;
  if (Status s = core_.get(collection, id, entity); !s) return envelopeError(s);
  return entity == nullptr ? envelopeValueText("null") : envelopeValue(*entity);
}

std::string CoreHandle::getMany(const std::string& collection, const std::string& idsJson) {
  json ids;
  if (Status s = readJson(core_, idsJson, ids); !s) return envelopeError(s);
  if (!ids.is_array()) return envelopeError(wrongType("ids must be an array"));
  json out = json::array();
  for (const json& raw : ids) {
    std::string id;
    if (!idFromJson(raw, id))
      return envelopeError(Status::error(ErrorCode::MissingId, "ids must be non-empty strings or integers"));
    EntityRef entity;
    if (Status s = core_.get(collection, id, entity); !s) return envelopeError(s);
    out.push_back(std::move(entity).release());
  }
  return envelopeValue(out);
}

std::string CoreHandle::list(const std::string& collection) {
  json out;
  if (Status s = core_.list(collection, out); !s) return envelopeError(s);
  return envelopeValue(out);
}

double CoreHandle::scalarFailed(const Status& s) {
  scalarError_ = envelopeError(s);
  return kScalarFailed;
}

std::string CoreHandle::takeError() {
  if (scalarError_.empty())
    return envelopeError(Status::error(ErrorCode::InvalidArgument, "no scalar call failed since the last takeError"));
  std::string out = std::move(scalarError_);
  scalarError_.clear();
  return out;
}

double CoreHandle::count(const std::string& collection) {
  std::size_t n = 0;
  if (Status s = core_.count(collection, n); !s) return scalarFailed(s);
  return static_cast<double>(n);
}

double CoreHandle::compact(const std::string& collection, double upToVersion) {
  std::int64_t upTo = -1;
  if (!integralNumber(upToVersion, upTo)) return scalarFailed(wrongType("upToVersion must be an integer"));
  std::size_t dropped = 0;
  if (Status s = core_.compact(collection, upTo, dropped); !s) return scalarFailed(s);
  return static_cast<double>(dropped);
}

std::string CoreHandle::openQuery(const std::string& specJson) {
  json spec;
  if (Status s = readJson(core_, specJson, spec); !s) return envelopeError(s);
  QueryUpdate q;
  if (Status s = core_.openQuery(spec, q); !s) return envelopeError(s);
  return envelopeValue(queryUpdateToJson(q));
}

std::string CoreHandle::queryResult(std::uint32_t query) {
  QueryUpdate q;
  if (Status s = core_.queryResult(query, q); !s) return envelopeError(s);
  return envelopeValue(queryUpdateToJson(q));
}

std::string CoreHandle::closeQuery(std::uint32_t query) { return answer(core_.closeQuery(query)); }

std::string CoreHandle::subscribe(const std::string& collection, const std::string& id) {
  std::uint32_t sub = 0;
  if (Status s = core_.subscribe(collection, id, sub); !s) return envelopeError(s);
  return envelopeValue(sub);
}

std::string CoreHandle::unsubscribe(std::uint32_t sub) { return answer(core_.unsubscribe(sub)); }

// ---- the query cache -------------------------------------------------------------------------------

std::string CoreHandle::cacheSet(const std::string& key, const std::string& valueJson,
                                 const std::string& optionsJson, double nowMs) {
  json value;
  json options;
  if (Status s = readJson(core_, valueJson, value); !s) return envelopeError(s);
  if (Status s = readJson(core_, optionsJson, options); !s) return envelopeError(s);
  std::int64_t now = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  CacheEntryOptions opts;
  if (Status s = readCacheOptions(options, opts); !s) return envelopeError(s);
  core_.cache().set(key, std::move(value), std::move(opts), now);
  return envelopeOk();
}

std::string CoreHandle::cacheGet(const std::string& key, double nowMs) {
  std::int64_t now = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  CacheLookup hit = core_.cache().lookup(key, now);
  json out = {{"status", cacheStatusName(hit.status)}};
  if (hit.value != nullptr) {
    out["value"] = *hit.value;
    out["age"] = hit.ageMs;
  }
  return envelopeValue(out);
}

std::string CoreHandle::cacheInvalidate(const std::string& key) { return envelopeValue(core_.cache().invalidate(key)); }
std::string CoreHandle::cacheInvalidateTag(const std::string& tag) {
  return envelopeValue(core_.cache().invalidateTag(tag));
}
std::string CoreHandle::cacheRemove(const std::string& key) { return envelopeValue(core_.cache().remove(key)); }
std::string CoreHandle::cachePrune(double nowMs) {
  std::int64_t now = 0;
  if (Status s = readTime(nowMs, now); !s) return envelopeError(s);
  return envelopeValue(core_.cache().prune(now));
}

std::string CoreHandle::stats() { return envelopeValue(core_.stats()); }

double heapBytesInUse() { return static_cast<double>(mallinfo().uordblks); }

// ---- sync ----------------------------------------------------------------------------------------

std::string CoreHandle::configureClient(const std::string& configJson) {
  json config;
  if (Status s = readJson(core_, configJson, config); !s) return envelopeError(s);
  return answer(core_.configureClient(config));
}

std::string CoreHandle::clientId() { return envelopeValue(core_.clientId()); }

std::string CoreHandle::setCustomResolver(const std::string& collection, emscripten::val fn) {
  if (!core_.hasCollection(collection))
    return envelopeError(Status::error(ErrorCode::UnknownCollection, "unknown collection '" + collection + "'"));
  if (fn.isUndefined() || fn.isNull()) {
    core_.setCustomResolver(collection, nullptr);
    resolvers_.erase(collection);
    return envelopeOk();
  }
  auto resolver = std::make_unique<JsResolver>(std::move(fn));
  core_.setCustomResolver(collection, resolver.get());
  resolvers_[collection] = std::move(resolver);
  return envelopeOk();
}

}  // namespace syncore
