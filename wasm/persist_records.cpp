// See persist_records.hpp. The checksum is wasm/stored_restore.cpp's crc32, so the bytes written
// here are the bytes hydrate checks.
#include "persist_records.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core_handle.hpp"
#include "stored_restore.hpp"
#include "base/json_util.hpp"
#include "sync/sync_core.hpp"

extern "C" {
// wasm/idb_library.js: puts the bytes [ptr, ptr + len) as the open write's record `position`;
// 1, or 0 when there is no open write, no such record, or IndexedDB refused the request.
int syncore_idb_put(int position, const unsigned char* ptr, int len);
// Puts the page [ptr, ptr + len) holding the records at positions[0 .. count) in that order, as
// one value; 1, or 0 as syncore_idb_put.
int syncore_idb_put_page(const int* positions, int count, const unsigned char* ptr, int len);
}

namespace syncore {
namespace {

constexpr unsigned char kFormat = 1;
// docs/record_format.md "Pages": 'S' 'P' 1 0, entry count, then per entry key length, key text,
// record length, the record's stored bytes (as js/storage/entity_pages.js builds them).
constexpr char kPageMagic[4] = {'S', 'P', 1, 0};

void appendU32(std::string& out, std::size_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xFFu));
}

// An outbox key (a seq: a non-negative integer) or false.
bool outboxSeq(const json& record, std::uint64_t& seq) {
  auto store = record.find("store");
  auto key = record.find("key");
  if (store == record.end() || !store->is_string() || store->get_ref<const std::string&>() != "outbox" || key == record.end() ||
      !key->is_number_unsigned())
    return false;
  seq = key->get<std::uint64_t>();
  return true;
}

// Calls fn(id) for each decimal id of "1,2,3"; false on anything else.
template <class Fn>
bool eachId(const std::string& ids, Fn&& fn) {
  std::size_t i = 0;
  while (i < ids.size()) {
    std::uint64_t v = 0;
    std::size_t start = i;
    while (i < ids.size() && ids[i] >= '0' && ids[i] <= '9' && v <= 0xFFFFFFFFu) v = v * 10 + static_cast<unsigned>(ids[i++] - '0');
    if (i == start || v > 0xFFFFFFFFu) return false;
    if (!fn(static_cast<std::uint32_t>(v))) return true;
    if (i < ids.size() && ids[i++] != ',') return false;
  }
  return true;
}

// A key's JSON text: an outbox seq (most records) written directly.
std::string keyTextOf(const json& key) {
  if (!key.is_number_unsigned()) return dumpJson(key);
  char digits[24];
  return std::string(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, key.get<std::uint64_t>()).ptr - digits));
}

// The record the commit carries for a sealed one: {"key", "sealed": id, "store"} (in key order,
// each at the end: no search of the map).
json sealedRef(json key, std::uint32_t id, const char* store) {
  json ref = json::object();
  auto& fields = ref.get_ref<json::object_t&>();
  fields.emplace_hint(fields.end(), "key", std::move(key));
  fields.emplace_hint(fields.end(), "sealed", id);
  fields.emplace_hint(fields.end(), "store", store);
  return ref;
}

}  // namespace

void SealedRecords::seal(Commit& commit) {
  for (Effect& effect : commit.effects) {
    if (effect.kind != EffectKind::Persist) continue;
    if (!enabled_) {
      valuesOf(effect);
      continue;
    }
    // A deleted seq was seen: a later put of it is not a first put.
    auto del = effect.fields.find("delete");
    std::uint64_t seq = 0;
    if (del != effect.fields.end() && del->is_array())
      for (const json& record : *del)
        if (outboxSeq(record, seq) && seq > outboxSeen_) outboxSeen_ = seq;
    if (!effect.texts.empty()) sealTexts(effect);
    auto put = effect.fields.find("put");
    if (put == effect.fields.end() || !put->is_array()) continue;
    for (json& record : *put) {
      auto store = record.find("store");
      auto key = record.find("key");
      auto value = record.find("value");
      if (store == record.end() || !store->is_string() || key == record.end() || value == record.end()) continue;
      const std::uint32_t id = next_++;
      Sealed sealed;
      sealed.keyText = dumpJson(*key);
      std::string text;
      appendJson(text, *value);
      sealInto(sealed, store->get_ref<const std::string&>(), std::move(text));
      if (outboxSeq(record, seq)) markOutboxPut(sealed, seq);
      live_.emplace(id, std::move(sealed));
      record.erase(value);
      record["sealed"] = id;
    }
  }
}

// The stored form (docs/record_format.md): the header, then the value's text, the bytes
// nlohmann's dump writes (the core's own text, SyncCore::setPersistText, or base/json_util's
// appendJson of a tree). Byte 3 (reserved before) says the text is the core's own canonical dump
// (kCanonicalText): a hydrate keeps an entity's data text as it is instead of writing it again
// (stored_restore.cpp). The CRC-32 is taken over the text where it lies: no copy of it is made.
void SealedRecords::sealInto(Sealed& sealed, const std::string& store, std::string text) {
  const std::uint32_t crc =
      recordCrc(store, sealed.keyText, kCanonicalText, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  const char header[4] = {'S', 'R', static_cast<char>(kFormat), static_cast<char>(kCanonicalText)};
  std::memcpy(sealed.header, header, 4);
  for (int b = 0; b < 4; ++b) sealed.header[4 + b] = static_cast<char>((crc >> (8 * b)) & 0xFFu);
  sealed.text = std::move(text);
}

void SealedRecords::markOutboxPut(Sealed& sealed, std::uint64_t seq) {
  sealed.firstPut = !restoring_ && seq > outboxSeen_;
  if (seq > outboxSeen_) outboxSeen_ = seq;
}

void SealedRecords::sealTexts(Effect& effect) {
  json& put = effect.fields["put"];
  if (!put.is_array()) put = json::array();
  for (RecordText& r : effect.texts) {
    const std::uint32_t id = next_++;
    Sealed sealed;
    sealed.keyText = keyTextOf(r.key);
    const std::string store = r.store;
    sealInto(sealed, store, std::move(r.text));
    if (store == "outbox" && r.key.is_number_unsigned()) markOutboxPut(sealed, r.key.get<std::uint64_t>());
    live_.emplace(id, std::move(sealed));
    put.push_back(sealedRef(std::move(r.key), id, r.store));
  }
  effect.texts.clear();
}

// Sealing off while the core writes text records: they go as plain {store, key, value} records,
// as a core that writes trees has them (nothing is dropped on the way to the commit's text).
void SealedRecords::valuesOf(Effect& effect) {
  if (effect.texts.empty()) return;
  json& put = effect.fields["put"];
  if (!put.is_array()) put = json::array();
  for (RecordText& r : effect.texts) {
    json value;
    if (!parseJsonValue(r.text, value)) value = nullptr;  // the core's own dump: always valid
    put.push_back({{"store", r.store}, {"key", std::move(r.key)}, {"value", std::move(value)}});
  }
  effect.texts.clear();
}

void SealedRecords::restoredOutbox(std::uint64_t restoredSeq) {
  if (restoredSeq > outboxSeen_) outboxSeen_ = restoredSeq;
}

int SealedRecords::write(const std::string& ids) {
  // Which records go: all of them known, the first puts counted (a page needs kOutboxPageMin).
  std::vector<const Sealed*> records;
  int firstPuts = 0;
  int failedAt = -1;
  const bool wellFormed = eachId(ids, [&](std::uint32_t id) {
    auto it = live_.find(id);
    if (it == live_.end()) {
      failedAt = static_cast<int>(records.size());
      return false;
    }
    records.push_back(&it->second);
    if (it->second.firstPut) ++firstPuts;
    return true;
  });
  if (!wellFormed && failedAt < 0) failedAt = static_cast<int>(records.size());
  if (failedAt >= 0) return -1 - failedAt;
  const bool paged = firstPuts >= kOutboxPageMin;
  std::vector<int> positions;
  std::string page;
  if (paged) {
    std::size_t size = 8;
    for (const Sealed* r : records)
      if (r->firstPut) size += 8 + r->keyText.size() + r->size();
    page.reserve(size);
    page.append(kPageMagic, 4);
    appendU32(page, static_cast<std::size_t>(firstPuts));
    positions.reserve(static_cast<std::size_t>(firstPuts));
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Sealed& r = *records[i];
    if (paged && r.firstPut) {
      appendU32(page, r.keyText.size());
      page += r.keyText;
      appendU32(page, r.size());
      page.append(r.header, 8);
      page += r.text;
      positions.push_back(static_cast<int>(i));
    } else {
      std::string stored;
      stored.reserve(r.size());
      stored.append(r.header, 8);
      stored += r.text;
      if (syncore_idb_put(static_cast<int>(i), reinterpret_cast<const unsigned char*>(stored.data()), static_cast<int>(stored.size())) != 1)
        return -1 - static_cast<int>(i);
    }
  }
  if (paged && syncore_idb_put_page(positions.data(), firstPuts, reinterpret_cast<const unsigned char*>(page.data()), static_cast<int>(page.size())) != 1)
    return -1 - positions[0];
  return static_cast<int>(records.size());
}

void SealedRecords::settled(const std::string& ids, int code) {
  if (code != 0) {
    ++failures_;
    lastFailure_ = code;
    return;
  }
  eachId(ids, [&](std::uint32_t id) {
    live_.erase(id);
    return true;
  });
}

std::string SealedRecords::text(std::uint32_t id) const {
  auto it = live_.find(id);
  return it == live_.end() ? std::string() : it->second.text;
}

std::string SealedRecords::stats() const {
  std::size_t bytes = 0;
  for (const auto& [id, sealed] : live_) bytes += sealed.size();
  return "{\"live\":" + std::to_string(live_.size()) + ",\"bytes\":" + std::to_string(bytes) + ",\"failures\":" +
         std::to_string(failures_) + ",\"lastFailure\":" + std::to_string(lastFailure_) + "}";
}

void persistSeal(CoreHandle& h, bool on) {
  h.sealedRecords().enable(on);
  h.core().setPersistText(on);  // sealed from the text the commit writes (no record trees)
}
int persistWrite(CoreHandle& h, const std::string& ids) { return h.sealedRecords().write(ids); }
void persistSettled(CoreHandle& h, const std::string& ids, int code) { h.sealedRecords().settled(ids, code); }
std::string persistText(CoreHandle& h, double id) {
  return id >= 1 && id <= 4294967295.0 ? h.sealedRecords().text(static_cast<std::uint32_t>(id)) : std::string();
}
std::string persistStats(CoreHandle& h) { return h.sealedRecords().stats(); }

std::uint64_t highestOutboxSeq(const SyncCore& core) {
  std::uint64_t highest = 0;
  for (const json& list : {core.pendingMutations(), core.deadLetters()})
    for (const json& row : list) {
      auto seq = row.find("seq");
      if (seq != row.end() && seq->is_number_unsigned() && seq->get<std::uint64_t>() > highest) highest = seq->get<std::uint64_t>();
    }
  return highest;
}

}  // namespace syncore
