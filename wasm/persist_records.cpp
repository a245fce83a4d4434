// See persist_records.hpp. The checksum is wasm/stored_restore.cpp's crc32, so the bytes written
// here are the bytes hydrate checks.
#include "persist_records.hpp"

#include <cstdlib>
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

// The stored form, the value written straight after the header (base/json_util's appendJson: the
// bytes nlohmann's dump writes, runs of plain bytes copied at once; nlohmann's serializer escapes
// one byte at a time, the largest part of sealing a 1 KB record, W4).
// Byte 3 (reserved before) says the text is the core's own canonical dump (kCanonicalText): a
// hydrate keeps an entity's data text as it is instead of writing it again (stored_restore.cpp).
std::string sealValue(const std::string& store, const std::string& keyText, const json& value) {
  std::string out;
  out.append({'S', 'R', static_cast<char>(kFormat), static_cast<char>(kCanonicalText), 0, 0, 0, 0});
  appendJson(out, value);
  const std::uint32_t crc =
      recordCrc(store, keyText, kCanonicalText, reinterpret_cast<const unsigned char*>(out.data()) + 8, out.size() - 8);
  for (int b = 0; b < 4; ++b) out[4 + b] = static_cast<char>((crc >> (8 * b)) & 0xFFu);
  return out;
}

}  // namespace

void SealedRecords::seal(Commit& commit) {
  if (!enabled_) return;
  for (Effect& effect : commit.effects) {
    if (effect.kind != EffectKind::Persist) continue;
    // A deleted seq was seen: a later put of it is not a first put.
    auto del = effect.fields.find("delete");
    std::uint64_t seq = 0;
    if (del != effect.fields.end() && del->is_array())
      for (const json& record : *del)
        if (outboxSeq(record, seq) && seq > outboxSeen_) outboxSeen_ = seq;
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
      sealed.bytes = sealValue(store->get_ref<const std::string&>(), sealed.keyText, *value);
      if (outboxSeq(record, seq)) {
        sealed.firstPut = !restoring_ && seq > outboxSeen_;
        if (seq > outboxSeen_) outboxSeen_ = seq;
      }
      live_.emplace(id, std::move(sealed));
      record.erase(value);
      record["sealed"] = id;
    }
  }
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
      if (r->firstPut) size += 8 + r->keyText.size() + r->bytes.size();
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
      appendU32(page, r.bytes.size());
      page += r.bytes;
      positions.push_back(static_cast<int>(i));
    } else if (syncore_idb_put(static_cast<int>(i), reinterpret_cast<const unsigned char*>(r.bytes.data()), static_cast<int>(r.bytes.size())) != 1) {
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
  return it == live_.end() ? std::string() : it->second.bytes.substr(8);
}

std::string SealedRecords::stats() const {
  std::size_t bytes = 0;
  for (const auto& [id, sealed] : live_) bytes += sealed.bytes.size();
  return "{\"live\":" + std::to_string(live_.size()) + ",\"bytes\":" + std::to_string(bytes) + ",\"failures\":" +
         std::to_string(failures_) + ",\"lastFailure\":" + std::to_string(lastFailure_) + "}";
}

void persistSeal(CoreHandle& h, bool on) { h.sealedRecords().enable(on); }
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
