// Conversions between the JS boundary and the core: strings of JSON in, strings of JSON out, and
// a failed Status kept as the "last error" instead of thrown. An empty string (or false, 0, -1
// for non-string results) tells js/ to read errorCode() / errorMessage() and raise a SyncError.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "js_resolver.hpp"
#include "sync/sync_core.hpp"

namespace syncore {

class CoreHandle {
 public:
  CoreHandle();

  bool configure(const std::string& optionsJson);
  bool defineCollection(const std::string& name, const std::string& optionsJson);
  std::string apply(const std::string& batchJson, double nowMs);
  std::string get(const std::string& collection, const std::string& id);
  std::string getMany(const std::string& collection, const std::string& idsJson);
  std::string list(const std::string& collection);
  double count(const std::string& collection);
  double compact(const std::string& collection, double upToVersion);

  std::string openQuery(const std::string& specJson);
  std::string queryResult(std::uint32_t query);
  bool closeQuery(std::uint32_t query);

  std::uint32_t subscribe(const std::string& collection, const std::string& id);
  bool unsubscribe(std::uint32_t sub);

  bool cacheSet(const std::string& key, const std::string& valueJson,
                const std::string& optionsJson, double nowMs);
  std::string cacheGet(const std::string& key, double nowMs);
  bool cacheInvalidate(const std::string& key);
  double cacheInvalidateTag(const std::string& tag);
  bool cacheRemove(const std::string& key);
  double cachePrune(double nowMs);

  std::string stats();

  // Sync: every call below answers with a commit (changes, effects, events) as JSON, or "".
  bool configureClient(const std::string& configJson);
  std::string clientId() const { return core_.clientId(); }
  std::string mutate(const std::string& requestJson, double nowMs);  // adds "mutationId"
  std::string setOnline(bool online, double nowMs);
  std::string tick(double nowMs);
  std::string batchTimedOut(double batch, double nowMs);
  std::string resumeQueue(double nowMs);
  std::string setServerLimits(const std::string& limitsJson, double nowMs);
  std::string pendingMutations();
  std::string deadLetters();
  std::string conflicts();
  std::string retryDeadLetter(double seq, double nowMs);
  std::string editDeadLetter(double seq, const std::string& payloadJson, double nowMs);
  std::string discardDeadLetter(double seq, double nowMs);
  std::string resolveConflict(const std::string& id, const std::string& resolutionJson, double nowMs);  // adds "mutationId"
  std::string exportRecords();
  std::string restore(const std::string& recordsJson);
  // Server changes one a line, each applied or set aside on its own; cursor NaN: none.
  std::string applyChanges(const std::string& lines, double cursor, double nowMs);
  std::string clearSetAside(double nowMs);
  // Restore in chunks: records one a line (SyncCore::restoreBegin / restoreAdd / restoreFinish).
  bool restoreBegin();
  bool restoreAdd(const std::string& lines);
  std::string restoreFinish(bool entitiesLost);
  std::string reserveIdBlock();
  // Full resync (SyncCore::beginResync / finishResync); epoch "" when the server names none.
  std::string beginResync(double nowMs);
  std::string finishResync(double cursor, const std::string& epoch, double nowMs);
  // fn(caseJson) -> merged entity JSON text, "null" to delete, or undefined to park. js/ wraps it
  // so that it never throws into wasm. An undefined fn removes the resolver.
  bool setCustomResolver(const std::string& collection, emscripten::val fn);

  std::string errorCode() const { return errorCodeName(error_.code); }
  std::string errorMessage() const { return error_.message; }

 private:
  bool fail(Status s);
  bool parse(const std::string& text, json& out);

  std::string commitOr(Status s, const Commit& commit, const std::string& mutationId = {});
  bool time(double nowMs, std::int64_t& out);

  SyncCore core_;
  Status error_;
  std::map<std::string, std::unique_ptr<JsResolver>> resolvers_;
};

// Bytes the wasm heap's allocator has handed out and not freed (mallinfo): the core's real
// memory, for stats and the W7 benchmark; the linear memory itself only ever grows.
double heapBytesInUse();

}  // namespace syncore
