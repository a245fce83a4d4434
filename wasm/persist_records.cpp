// See persist_records.hpp. The checksum is wasm/stored_restore.cpp's crc32, so the bytes written
// here are the bytes hydrate checks.
#include "persist_records.hpp"

#include <cstdlib>

#include "core_handle.hpp"
#include "stored_restore.hpp"

extern "C" {
// wasm/idb_library.js: puts the bytes [ptr, ptr + len) as the open write's record `position`;
// 1, or 0 when there is no open write, no such record, or IndexedDB refused the request.
int syncore_idb_put(int position, const unsigned char* ptr, int len);
}

namespace syncore {
namespace {

constexpr unsigned char kFormat = 1;

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

}  // namespace

std::string sealRecord(const std::string& store, const std::string& keyText, const std::string& valueText) {
  std::string out;
  out.reserve(8 + valueText.size());
  out.append({'S', 'R', static_cast<char>(kFormat), 0, 0, 0, 0, 0});
  out += valueText;
  const unsigned char zero = 0;
  std::uint32_t crc = crc32(reinterpret_cast<const unsigned char*>(store.data()), store.size());
  crc = crc32(&zero, 1, crc);
  crc = crc32(reinterpret_cast<const unsigned char*>(keyText.data()), keyText.size(), crc);
  crc = crc32(&zero, 1, crc);
  crc = crc32(reinterpret_cast<const unsigned char*>(valueText.data()), valueText.size(), crc);
  for (int b = 0; b < 4; ++b) out[4 + b] = static_cast<char>((crc >> (8 * b)) & 0xFFu);
  return out;
}

void SealedRecords::seal(Commit& commit) {
  if (!enabled_) return;
  for (Effect& effect : commit.effects) {
    if (effect.kind != EffectKind::Persist) continue;
    auto put = effect.fields.find("put");
    if (put == effect.fields.end() || !put->is_array()) continue;
    for (json& record : *put) {
      auto store = record.find("store");
      auto key = record.find("key");
      auto value = record.find("value");
      if (store == record.end() || !store->is_string() || key == record.end() || value == record.end()) continue;
      const std::uint32_t id = next_++;
      live_.emplace(id, sealRecord(store->get_ref<const std::string&>(), key->dump(), value->dump()));
      record.erase(value);
      record["sealed"] = id;
    }
  }
}

int SealedRecords::write(const std::string& ids) {
  int position = 0;
  int failedAt = -1;
  const bool wellFormed = eachId(ids, [&](std::uint32_t id) {
    auto it = live_.find(id);
    if (it == live_.end() ||
        syncore_idb_put(position, reinterpret_cast<const unsigned char*>(it->second.data()), static_cast<int>(it->second.size())) != 1) {
      failedAt = position;
      return false;
    }
    ++position;
    return true;
  });
  if (!wellFormed && failedAt < 0) failedAt = position;
  return failedAt >= 0 ? -1 - failedAt : position;
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
  return it == live_.end() ? std::string() : it->second.substr(8);
}

std::string SealedRecords::stats() const {
  std::size_t bytes = 0;
  for (const auto& [id, sealed] : live_) bytes += sealed.size();
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

}  // namespace syncore
