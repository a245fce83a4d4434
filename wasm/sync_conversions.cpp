// Conversions for the sync half of the API (see core_handle.hpp).
#include <cmath>
#include <string_view>
#include <vector>

#include "core_handle.hpp"

namespace syncore {

bool JsResolver::resolve(const ConflictCase& c, json& merged) {
  json arg = {{"collection", c.collection}, {"id", c.id}, {"base", c.base}, {"remote", c.remote},
              {"local", c.local.kind == LocalChange::Kind::Delete ? json(nullptr) : [&] {
                 json local = c.base.is_object() ? c.base : json::object();
                 local.merge_patch(c.local.patch);
                 return local;
               }()},
              {"localPatch", c.local.patch},
              {"localKind", c.local.kind == LocalChange::Kind::Delete ? "delete" : "update"}};
  emscripten::val answer = fn_(dumpJson(arg));
  if (!answer.isString()) return false;  // undefined: cannot decide, park it
  json parsed;
  if (!parseJson(answer.as<std::string>(), parsed).isOk()) return false;
  if (!parsed.is_object() && !parsed.is_null()) return false;
  merged = std::move(parsed);
  return true;
}

namespace {
bool toSeq(double v, std::uint64_t& out) {
  if (!std::isfinite(v) || v < 0 || v != std::floor(v) || v > 9007199254740991.0) return false;
  out = static_cast<std::uint64_t>(v);
  return true;
}
}  // namespace

bool CoreHandle::configureClient(const std::string& configJson) {
  json config;
  if (!parse(configJson, config)) return false;
  if (Status s = core_.configureClient(config); !s) return fail(std::move(s));
  return true;
}

std::string CoreHandle::mutate(const std::string& requestJson, double nowMs) {
  json request;
  std::int64_t now = 0;
  if (!time(nowMs, now) || !parse(requestJson, request)) return {};
  Commit commit;
  std::string id;
  Status s = core_.mutate(request, now, commit, id);
  return commitOr(std::move(s), commit, id);
}

std::string CoreHandle::setServerLimits(const std::string& limitsJson, double nowMs) {
  json limits;
  std::int64_t now = 0;
  if (!time(nowMs, now) || !parse(limitsJson, limits)) return {};
  Commit commit;
  Status s = core_.setServerLimits(limits, now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::setOnline(bool online, double nowMs) {
  std::int64_t now = 0;
  if (!time(nowMs, now)) return {};
  Commit commit;
  Status s = core_.setOnline(online, now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::tick(double nowMs) {
  std::int64_t now = 0;
  if (!time(nowMs, now)) return {};
  Commit commit;
  Status s = core_.tick(now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::batchTimedOut(double batch, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t id = 0;
  if (!time(nowMs, now)) return {};
  if (!toSeq(batch, id) || id > 0xffffffffu)
    return fail(Status::error(ErrorCode::WrongType, "batch must be a batch id")), std::string();
  Commit commit;
  Status s = core_.batchTimedOut(static_cast<std::uint32_t>(id), now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::resumeQueue(double nowMs) {
  std::int64_t now = 0;
  if (!time(nowMs, now)) return {};
  Commit commit;
  Status s = core_.resumeQueue(now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::pendingMutations() { return dumpJson(core_.pendingMutations()); }
std::string CoreHandle::deadLetters() { return dumpJson(core_.deadLetters()); }
std::string CoreHandle::conflicts() { return dumpJson(core_.conflicts()); }

std::string CoreHandle::retryDeadLetter(double seq, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t s64 = 0;
  if (!time(nowMs, now)) return {};
  if (!toSeq(seq, s64)) return fail(Status::error(ErrorCode::WrongType, "seq must be a sequence number")), std::string();
  Commit commit;
  Status s = core_.retryDeadLetter(s64, now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::editDeadLetter(double seq, const std::string& payloadJson, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t s64 = 0;
  json payload;
  if (!time(nowMs, now) || !parse(payloadJson, payload)) return {};
  if (!toSeq(seq, s64)) return fail(Status::error(ErrorCode::WrongType, "seq must be a sequence number")), std::string();
  Commit commit;
  Status s = core_.editDeadLetter(s64, payload, now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::discardDeadLetter(double seq, double nowMs) {
  std::int64_t now = 0;
  std::uint64_t s64 = 0;
  if (!time(nowMs, now)) return {};
  if (!toSeq(seq, s64)) return fail(Status::error(ErrorCode::WrongType, "seq must be a sequence number")), std::string();
  Commit commit;
  Status s = core_.discardDeadLetter(s64, now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::resolveConflict(const std::string& id, const std::string& resolutionJson, double nowMs) {
  std::int64_t now = 0;
  json resolution;
  if (!time(nowMs, now) || !parse(resolutionJson, resolution)) return {};
  Commit commit;
  std::string mutationId;
  Status s = core_.resolveConflict(id, resolution, now, commit, mutationId);
  return commitOr(std::move(s), commit, mutationId);
}

std::string CoreHandle::exportRecords() { return dumpJson(core_.exportRecords()); }

std::string CoreHandle::restore(const std::string& recordsJson) {
  json records;
  if (!parse(recordsJson, records)) return {};
  Commit commit;
  Status s = core_.restore(records, commit);
  return commitOr(std::move(s), commit);
}

namespace {

// Several JSON texts in one string, one a line: JSON.stringify never writes a raw newline, so
// each record or change crosses in one call yet is parsed (and refused) on its own.
std::vector<std::string_view> splitLines(const std::string& text) {
  std::vector<std::string_view> lines;
  if (text.empty()) return lines;
  std::string_view rest(text);
  for (;;) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

std::string CoreHandle::applyChanges(const std::string& lines, double cursor, double nowMs) {
  std::int64_t now = 0;
  std::int64_t at = -1;
  if (!time(nowMs, now)) return {};
  const bool hasCursor = !std::isnan(cursor);
  if (hasCursor) {
    if (!std::isfinite(cursor) || cursor != std::floor(cursor) || cursor < 0 || cursor > 9007199254740991.0)
      return fail(Status::error(ErrorCode::WrongType, "cursor must be a non-negative integer")), std::string();
    at = static_cast<std::int64_t>(cursor);
  }
  Commit commit;
  Status s = core_.applyServerChanges(splitLines(lines), hasCursor, at, now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::clearSetAside(double nowMs) {
  std::int64_t now = 0;
  if (!time(nowMs, now)) return {};
  Commit commit;
  Status s = core_.clearSetAside(now, commit);
  return commitOr(std::move(s), commit);
}

bool CoreHandle::restoreBegin() {
  if (Status s = core_.restoreBegin(); !s) return fail(std::move(s));
  return true;
}

bool CoreHandle::restoreAdd(const std::string& lines) {
  for (std::string_view record : splitLines(lines))
    if (Status s = core_.restoreAdd(record); !s) return fail(std::move(s));
  return true;
}

std::string CoreHandle::restoreFinish(bool entitiesLost) {
  Commit commit;
  Status s = core_.restoreFinish(entitiesLost, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::reserveIdBlock() {
  Commit commit;
  Status s = core_.reserveIdBlock(commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::beginResync(double nowMs) {
  std::int64_t now = 0;
  if (!time(nowMs, now)) return {};
  Commit commit;
  Status s = core_.beginResync(now, commit);
  return commitOr(std::move(s), commit);
}

std::string CoreHandle::finishResync(double cursor, const std::string& epoch, double nowMs) {
  std::int64_t now = 0;
  if (!time(nowMs, now)) return {};
  if (!std::isfinite(cursor) || cursor != std::floor(cursor) || cursor < 0 || cursor > 9007199254740991.0)
    return fail(Status::error(ErrorCode::WrongType, "cursor must be a non-negative integer")), std::string();
  Commit commit;
  Status s = core_.finishResync(static_cast<std::int64_t>(cursor), epoch, now, commit);
  return commitOr(std::move(s), commit);
}

bool CoreHandle::setCustomResolver(const std::string& collection, emscripten::val fn) {
  if (!core_.hasCollection(collection))
    return fail(Status::error(ErrorCode::UnknownCollection, "unknown collection '" + collection + "'"));
  if (fn.isUndefined() || fn.isNull()) {
    core_.setCustomResolver(collection, nullptr);
    resolvers_.erase(collection);
    return true;
  }
  auto resolver = std::make_unique<JsResolver>(std::move(fn));
  core_.setCustomResolver(collection, resolver.get());
  resolvers_[collection] = std::move(resolver);
  return true;
}

}  // namespace syncore
