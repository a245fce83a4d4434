// The write direction of IndexedDB through wasm/idb_library.js (issue 15 item 1). Wasm glue, not
// src/: the core still emits plain persist effects. When sealing is on (a client whose storage is
// IndexedDB turns it on), every record a commit puts is sealed here, in wasm memory, in the stored
// form of docs/record_format.md ('S','R',1,0, CRC-32 of store\0key\0text, UTF-8 JSON text), and
// the commit JS parses carries {store, key, sealed: id} in its place: no value text to parse in
// JS, no JSON.stringify, TextEncoder or CRC-32 in JS. The storage adapter then asks write() to
// hand the sealed bytes to the transaction it opened (syncore_idb_put); when the transaction
// completes or fails, settled() is called back with its outcome: the bytes of a stored group go,
// those of a failed one stay for the retry.
//
// Outbox pages (docs/record_format.md "Pages of outbox entries"): a write that holds at least
// kOutboxPageMin first puts of outbox entries (a burst of edits) puts them as one page, one
// IndexedDB value, instead of one value each. Only a first put may go into a page: a seq above
// every outbox seq this handle has sealed, deleted or restored. So a page never holds an older
// copy than a record of its own: every later word on that seq (a re-put, a delete's tombstone)
// is a record of its own, which shadows the page's copy.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include "sync/commit.hpp"

namespace syncore {

class SealedRecords {
 public:
  void enable(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }

  // Seals the puts of the commit's persist effects (when enabled): records the core wrote as text
  // (Effect::texts, SyncCore::setPersistText) from that text, others from their value trees.
  void seal(Commit& commit);

  // Hands the sealed records `ids` ("1,2,3", in order) to the library's open write, the i-th as
  // position i; the number handed over, or -1 - i when the i-th is unknown (released) or the
  // library refused it (the transaction is no longer active).
  int write(const std::string& ids);

  // The completion callback: code 0, the write that held `ids` is durable (their bytes go);
  // anything else (a storage error code), it failed and the bytes stay for the retry.
  void settled(const std::string& ids, int code);

  // A sealed record's JSON text (the value), "" when released: for a reader of the effect.
  std::string text(std::uint32_t id) const;

  // Records sealed and not yet released; writes failed so far; the last failure's code.
  std::string stats() const;

  // A restore is under way (its commit may re-put restored entries: never a first put); then
  // `restoredSeq`, the highest outbox or dead-letter seq the restore brought back.
  void restoring(bool on) { restoring_ = on; }
  void restoredOutbox(std::uint64_t restoredSeq);

 private:
  struct Sealed {
    // The stored form is header + text: the 8-byte header (magic, format, flag, CRC-32) apart from
    // the value's text, which is the core's own string moved here (Effect::texts), not copied
    // behind a header; the two are joined where one value needs them together (a page, a put).
    char header[8] = {};
    std::string text;
    std::size_t size() const { return 8 + text.size(); }
    std::string keyText;  // the key as JSON text (a page entry's key)
    bool firstPut = false;  // an outbox entry's first put: it may go into a page
  };
  // An outbox put of seq: a first put when no word on a later seq was seen.
  void markOutboxPut(Sealed& sealed, std::uint64_t seq);
  static void sealInto(Sealed& sealed, const std::string& store, std::string text);
  void sealTexts(Effect& effect);  // the effect's text records, sealed into its put list
  static void valuesOf(Effect& effect);  // sealing off: text records as {store, key, value}
  bool enabled_ = false;
  bool restoring_ = false;
  std::uint32_t next_ = 1;
  std::uint64_t outboxSeen_ = 0;  // the highest outbox seq sealed, deleted or restored
  std::unordered_map<std::uint32_t, Sealed> live_;
  std::uint64_t failures_ = 0;
  int lastFailure_ = 0;
};

class CoreHandle;
// CoreHandle's methods for this (registered in wasm/bindings.cpp).
void persistSeal(CoreHandle& h, bool on);
int persistWrite(CoreHandle& h, const std::string& ids);
void persistSettled(CoreHandle& h, const std::string& ids, int code);
std::string persistText(CoreHandle& h, double id);
std::string persistStats(CoreHandle& h);
class SyncCore;
// The highest seq of the core's outbox entries and dead letters (0: none), after a restore.
std::uint64_t highestOutboxSeq(const SyncCore& core);

// First puts of outbox entries in one write from which they go as one page.
constexpr int kOutboxPageMin = 64;


}  // namespace syncore
