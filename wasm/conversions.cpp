#include "core_handle.hpp"
#include "wire/commit_text.hpp"
#include "wire/json_fast.hpp"

#include <cmath>
#include <malloc.h>

namespace syncore {

namespace {

json queryUpdateToJson(const QueryUpdate& q) {
  return {{"id", q.query}, {"ids", q.ids}, {"total", q.total}};
}

// Time and versions arrive as JS numbers; only finite integral values are meaningful.
bool integralNumber(double v, std::int64_t& out) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9007199254740991.0) return false;
  out = static_cast<std::int64_t>(v);
  return true;
}

}  // namespace

CoreHandle::CoreHandle() = default;

bool CoreHandle::fail(Status s) {
  error_ = std::move(s);
  return false;
}

bool CoreHandle::parse(const std::string& text, json& out) {
  // parseJson's result, strings copied in runs; the envelope may nest a little deeper than the
  // data in it (the core checks the data's own depth on every path).
  Status s = parseJsonFast(text, out, core_.limits().forText());
  if (!s) return fail(std::move(s));
  return true;
}

bool CoreHandle::configure(const std::string& optionsJson) {
  json options;
  if (!parse(optionsJson, options)) return false;
  if (!options.is_object()) return fail(Status::error(ErrorCode::WrongType, "options must be an object"));
  ParseLimits limits = core_.limits();
  std::int64_t v = 0;
  if (auto it = options.find("maxMessageBytes"); it != options.end()) {
    if (!int64FromJson(*it, v) || v <= 0)
      return fail(Status::error(ErrorCode::WrongType, "maxMessageBytes must be a positive integer"));
    limits.maxBytes = static_cast<std::size_t>(v);
  }
  if (auto it = options.find("maxDepth"); it != options.end()) {
    if (!int64FromJson(*it, v) || v <= 0 || v > 512)
      return fail(Status::error(ErrorCode::WrongType, "maxDepth must be an integer in 1..512"));
    limits.maxDepth = static_cast<int>(v);
  }
  core_.setLimits(limits);
  return true;
}

bool CoreHandle::defineCollection(const std::string& name, const std::string& optionsJson) {
  json options;
  if (!parse(optionsJson, options)) return false;
  if (Status s = core_.defineCollection(name, options); !s) return fail(std::move(s));
  return true;
}

bool CoreHandle::time(double nowMs, std::int64_t& out) {
  if (!integralNumber(nowMs, out)) return fail(Status::error(ErrorCode::WrongType, "now must be an integer (ms)"));
  return true;
}

std::string CoreHandle::commitOr(Status s, const Commit& commit, const std::string& mutationId) {
  if (!s) return fail(std::move(s)), std::string();
  return commitToText(commit, mutationId);  // written directly: no json tree, no copied effects
}

std::string CoreHandle::apply(const std::string& batchJson, double nowMs) {
  json batch;
  std::int64_t now = 0;
  if (!time(nowMs, now) || !parse(batchJson, batch)) return {};
  Commit commit;
  Status s = core_.applyServer(std::move(batch), now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::get(const std::string& collection, const std::string& id) {
  const json* entity = nullptr;
  if (Status s = core_.get(collection, id, entity); !s) return fail(std::move(s)), std::string();
  return entity == nullptr ? std::string("null") : dumpJson(*entity);
}

std::string CoreHandle::getMany(const std::string& collection, const std::string& idsJson) {
  json ids;
  if (!parse(idsJson, ids)) return {};
  if (!ids.is_array()) return fail(Status::error(ErrorCode::WrongType, "ids must be an array")), std::string();
  json out = json::array();
  for (const json& raw : ids) {
    std::string id;
    if (!idFromJson(raw, id))
      return fail(Status::error(ErrorCode::MissingId, "ids must be non-empty strings or integers")), std::string();
    const json* entity = nullptr;
    if (Status s = core_.get(collection, id, entity); !s) return fail(std::move(s)), std::string();
    out.push_back(entity == nullptr ? json(nullptr) : *entity);
  }
  return dumpJson(out);
}

std::string CoreHandle::list(const std::string& collection) {
  json out;
  if (Status s = core_.list(collection, out); !s) return fail(std::move(s)), std::string();
  return dumpJson(out);
}

double CoreHandle::count(const std::string& collection) {
  std::size_t n = 0;
  if (Status s = core_.count(collection, n); !s) return fail(std::move(s)), -1.0;
  return static_cast<double>(n);
}

double CoreHandle::compact(const std::string& collection, double upToVersion) {
  std::int64_t upTo = -1;
  if (!integralNumber(upToVersion, upTo))
    return fail(Status::error(ErrorCode::WrongType, "upToVersion must be an integer")), -1.0;
  std::size_t dropped = 0;
  if (Status s = core_.compact(collection, upTo, dropped); !s) return fail(std::move(s)), -1.0;
  return static_cast<double>(dropped);
}

std::string CoreHandle::openQuery(const std::string& specJson) {
  json spec;
  if (!parse(specJson, spec)) return {};
  QueryUpdate q;
  if (Status s = core_.openQuery(spec, q); !s) return fail(std::move(s)), std::string();
  return dumpJson(queryUpdateToJson(q));
}

std::string CoreHandle::queryResult(std::uint32_t query) {
  QueryUpdate q;
  if (Status s = core_.queryResult(query, q); !s) return fail(std::move(s)), std::string();
  return dumpJson(queryUpdateToJson(q));
}

bool CoreHandle::closeQuery(std::uint32_t query) {
  if (Status s = core_.closeQuery(query); !s) return fail(std::move(s));
  return true;
}

std::uint32_t CoreHandle::subscribe(const std::string& collection, const std::string& id) {
  std::uint32_t sub = 0;
  if (Status s = core_.subscribe(collection, id, sub); !s) return fail(std::move(s)), 0u;
  return sub;
}

bool CoreHandle::unsubscribe(std::uint32_t sub) {
  if (Status s = core_.unsubscribe(sub); !s) return fail(std::move(s));
  return true;
}

bool CoreHandle::cacheSet(const std::string& key, const std::string& valueJson,
                          const std::string& optionsJson, double nowMs) {
  json value;
  json options;
  if (!parse(valueJson, value) || !parse(optionsJson, options)) return false;
  std::int64_t now = 0;
  if (!integralNumber(nowMs, now)) return fail(Status::error(ErrorCode::WrongType, "now must be an integer (ms)"));
  if (!options.is_object()) return fail(Status::error(ErrorCode::WrongType, "cache options must be an object"));
  CacheEntryOptions opts;
  for (const char* field : {"ttl", "staleTime"}) {
    auto it = options.find(field);
    if (it == options.end()) continue;
    std::int64_t v = 0;
    if (!int64FromJson(*it, v) || v < 0)
      return fail(Status::error(ErrorCode::WrongType, std::string(field) + " must be a non-negative integer (ms)"));
    (std::string(field) == "ttl" ? opts.ttlMs : opts.staleMs) = v;
  }
  if (auto it = options.find("tags"); it != options.end()) {
    if (!it->is_array()) return fail(Status::error(ErrorCode::WrongType, "tags must be an array of strings"));
    for (const json& t : *it) {
      if (!t.is_string()) return fail(Status::error(ErrorCode::WrongType, "tags must be an array of strings"));
      opts.tags.push_back(t.get_ref<const std::string&>());
    }
  }
  core_.cache().set(key, std::move(value), std::move(opts), now);
  return true;
}

std::string CoreHandle::cacheGet(const std::string& key, double nowMs) {
  std::int64_t now = 0;
  if (!integralNumber(nowMs, now))
    return fail(Status::error(ErrorCode::WrongType, "now must be an integer (ms)")), std::string();
  CacheLookup hit = core_.cache().lookup(key, now);
  json out = {{"status", cacheStatusName(hit.status)}};
  if (hit.value != nullptr) {
    out["value"] = *hit.value;
    out["age"] = hit.ageMs;
  }
  return dumpJson(out);
}

bool CoreHandle::cacheInvalidate(const std::string& key) { return core_.cache().invalidate(key); }
double CoreHandle::cacheInvalidateTag(const std::string& tag) {
  return static_cast<double>(core_.cache().invalidateTag(tag));
}
bool CoreHandle::cacheRemove(const std::string& key) { return core_.cache().remove(key); }
double CoreHandle::cachePrune(double nowMs) {
  std::int64_t now = 0;
  if (!integralNumber(nowMs, now))
    return fail(Status::error(ErrorCode::WrongType, "now must be an integer (ms)")), -1.0;
  return static_cast<double>(core_.cache().prune(now));
}

std::string CoreHandle::stats() { return dumpJson(core_.stats()); }

double heapBytesInUse() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace syncore
