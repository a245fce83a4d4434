// The core as JS sees it: strings of JSON in, and for every call one envelope out (JSON text,
// src/wire/envelope.hpp): {"ok":true,"commit"|"value":...} or {"ok":false,"error":{...}}. The
// scalar reads (count, compact) take the numeric path instead: a non-negative number, or
// kScalarFailed with the error envelope kept for takeError(); text and JSON.parse would cost more
// than the call itself (W6: 0.3 µs as a number, 1.06 µs as an envelope). Every
// conversion between JS values and the core's types lives in core_handle.cpp, each failure its
// own typed error; bindings.cpp only registers these methods with embind.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "js_resolver.hpp"
#include "persist_records.hpp"
#include "sync/sync_core.hpp"
#include "wire/commit_text.hpp"

namespace syncore {

class CoreHandle {
 public:
  CoreHandle();

  std::string configure(const std::string& optionsJson);
  std::string defineCollection(const std::string& name, const std::string& optionsJson);
  std::string get(const std::string& collection, const std::string& id);
  std::string getMany(const std::string& collection, const std::string& idsJson);
  std::string list(const std::string& collection);
  // The numeric path: the answer, or kScalarFailed (the error envelope then waits in takeError).
  double count(const std::string& collection);
  double compact(const std::string& collection, double upToVersion);
  // The error envelope of the last scalar call that failed (then forgotten); always a failure.
  std::string takeError();

  std::string openQuery(const std::string& specJson);
  std::string queryResult(std::uint32_t query);
  std::string closeQuery(std::uint32_t query);

  std::string subscribe(const std::string& collection, const std::string& id);
  std::string unsubscribe(std::uint32_t sub);

  std::string cacheSet(const std::string& key, const std::string& valueJson,
                       const std::string& optionsJson, double nowMs);
  std::string cacheGet(const std::string& key, double nowMs);
  std::string cacheInvalidate(const std::string& key);
  std::string cacheInvalidateTag(const std::string& tag);
  std::string cacheRemove(const std::string& key);
  std::string cachePrune(double nowMs);

  std::string stats();

  // Sync: every call below answers with a commit (changes, effects, events, counts, views).
  std::string configureClient(const std::string& configJson);
  std::string clientId();
  std::string setOnline(bool online, double nowMs);
  std::string tick(double nowMs);
  std::string batchTimedOut(double batch, double nowMs);
  std::string resumeQueue(double nowMs);
  std::string setServerLimits(const std::string& limitsJson, double nowMs);
  std::string pendingMutations();
  std::string deadLetters();
  std::string conflicts();
  std::string cancelMutation(const std::string& mutationId, double nowMs);
  std::string clearQueue(double nowMs);
  std::string retryDeadLetter(double seq, double nowMs);
  std::string editDeadLetter(double seq, const std::string& payloadJson, double nowMs);
  std::string discardDeadLetter(double seq, double nowMs);
  std::string resolveConflict(const std::string& id, const std::string& resolutionJson, double nowMs);  // "mutationId"
  std::string exportRecords();
  std::string restore(const std::string& recordsJson);
  std::string clearSetAside(double nowMs);
  std::string referenceMissing(const std::string& collection, const std::string& id, double nowMs);
  // Restore in chunks: records one a line (SyncCore::restoreBegin / restoreAdd / restoreFinish).
  std::string restoreBegin();
  std::string restoreAdd(const std::string& lines);
  std::string restoreFinish(bool entitiesLost);
  // Restore records in their stored form from wasm/idb_library.js's registry (stored_restore.hpp);
  // the value: the positions (in this call) whose checksum failed.
  std::string restoreAddStored();
  std::string reserveIdBlock();
  // Full resync (SyncCore::beginResync / finishResync); epoch "" when the server names none.
  std::string beginResync(double nowMs);
  std::string finishResync(double cursor, const std::string& epoch, double nowMs);
  // fn(caseJson) -> merged entity JSON text, "null" to delete, or undefined to park. js/ wraps it
  // so that it never throws into wasm. An undefined fn removes the resolver.
  std::string setCustomResolver(const std::string& collection, emscripten::val fn);

  // ---- the text path of the hot calls (mutate, apply, applyChanges; js/wasm_text.js) --------
  // JS writes a request's UTF-8 bytes into the input buffer (TextEncoder.encodeInto on HEAPU8 at
  // io().inPtr) and reads the answer's bytes at io().outPtr (TextDecoder): no per-character glue.
  // Each In call answers the envelope's length in bytes (also in io().outLen).
  struct Io {
    std::uint32_t outPtr = 0;
    std::uint32_t outLen = 0;
    std::uint32_t inPtr = 0;
    std::uint32_t inCap = 0;
    std::uint32_t numbersPtr = 0;  // a plain local write's numbers (wire/local_write_numbers.hpp), doubles
  };
  double ioAddress() const;  // where Io lives in wasm memory (JS reads it through HEAPU32)
  // At least `bytes` of input buffer (the memory may grow: JS re-takes its views after it).
  void reserveInput(double bytes);
  // Frees the buffers a large request or answer left (they are kept between calls otherwise).
  void trimBuffers();
  // The commit has "mutationId"; flags: kWithView (the written entity's view in the commit, unless JS computes it) and
  // kViewKnown (JS holds the entity's current view: for an update by patch, a create or a delete
  // it can make the new view itself). The answer then has "viewFromRequest":true when the core
  // confirms the new view is exactly the request applied to that view, and leaves it out.
  static constexpr int kWithView = 1;
  static constexpr int kViewKnown = 2;
  // kNumbers: JS reads a plain local write's answer as numbers (wire/local_write_numbers.hpp) at
  // io().numbersPtr, and its text part, if any, at io().outPtr; mutateIn then answers
  // -(1 + the text's bytes). Any other answer is the envelope's text as before.
  static constexpr int kNumbers = 4;
  double mutateIn(double bytes, double nowMs, int flags);
  // A server batch (SyncCore::applyServer).
  double applyIn(double bytes, double nowMs);
  // Server changes one a line, each applied or set aside on its own; cursor NaN: none.
  double applyChangesIn(double bytes, double cursor, double nowMs);

  // The write direction through wasm/idb_library.js (persist_records.hpp; wasm/bindings.cpp).
  SealedRecords& sealedRecords() { return sealed_; }
  SyncCore& core() { return core_; }  // the core behind the handle (persistSeal turns its text records on)

 private:
  std::string apply(std::string_view batchJson, double nowMs);
  std::string applyChanges(std::string_view lines, double cursor, double nowMs);
  bool readInput(double bytes, std::string_view& text);
  double answerIn(std::string text);
  double answerOut();  // out_ as it stands is the answer
  // The commit's envelope, or the error's. ChangeIds::Lines: a server batch's answer, its changed
  // ids on lines after the document (envelopeCommitLines; a mutationId is not written there).
  std::string commitOr(const Status& s, Commit& commit, const std::string& mutationId = {},
                       ChangeIds ids = ChangeIds::Inline);
  // One core call that fills a commit, as a pointer to the caller's lambda and a trampoline: the
  // cold methods (wasm/core_handle_sync.cpp) share withCommit's one copy of a Commit's
  // construction, destruction and envelope instead of inlining each (2-3 KiB of wasm apiece).
  template <class... Args>
  class StepRef {
   public:
    template <class F>
    StepRef(F&& f)  // NOLINT: made from a lambda at the call
        : context_(&f), call_([](void* c, Args... args) { return (*static_cast<std::remove_reference_t<F>*>(c))(args...); }) {}
    Status operator()(Args... args) const { return call_(context_, args...); }

   private:
    void* context_;
    Status (*call_)(void*, Args...);
  };
  using CommitStep = StepRef<Commit&>;
  // The step's commit or error envelope; mutationId, when given, is read after the step ran.
  std::string withCommit(CommitStep step, const std::string* mutationId = nullptr);
  // The same for a step that takes the time: nowMs read (WRONG_TYPE unless finite and integral) first.
  std::string withTimedCommit(double nowMs, StepRef<std::int64_t, Commit&> step);
  double scalarFailed(const Status& s);

  std::string scalarError_;  // the envelope takeError() hands over
  std::string in_;           // the input buffer JS writes requests into
  std::string out_;          // the last In call's answer, read by JS in place
  std::vector<double> numbers_;  // the last plain local write's numbers, read by JS in place
  std::string sentClientId_;     // the client id the last numbers answer carried (JS keeps it)
  Io io_;

  SyncCore core_;
  SealedRecords sealed_;  // every commit's persisted records, sealed when enabled
  std::map<std::string, std::unique_ptr<JsResolver>> resolvers_;
};

// A JS number as a time in ms (finite and integral), or WRONG_TYPE.
Status readJsTime(double nowMs, std::int64_t& out);

// A scalar answer that failed: no count or number of dropped tombstones is negative.
constexpr double kScalarFailed = -1;

// Bytes the wasm heap's allocator has handed out and not freed (mallinfo): the core's real
// memory, for stats and the W7 benchmark; the linear memory itself only ever grows.
double heapBytesInUse();

}  // namespace syncore
