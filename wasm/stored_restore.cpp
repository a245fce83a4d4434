// See stored_restore.hpp. The three registry parts of each record are copied into reused
// buffers; the record line the core parses is `{"store":S,"key":K,"value":P}` with P the stored
// JSON text as it is.
#include "stored_restore.hpp"

#include <array>

extern "C" {
// wasm/idb_library.js
int syncore_idb_restore_parts(void);
int syncore_idb_restore_size(int index);
int syncore_idb_restore_copy(int index, unsigned char* dst);
}

namespace syncore {
namespace {

constexpr std::size_t kHeader = 8;
constexpr unsigned char kFormat = 1;

// Slicing by 8 (eight tables, eight bytes a step), as js/storage/record_codec.js: a hydrate
// checks every stored byte (10 MB for W5), and the byte-at-a-time loop was its largest cost.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;
const CrcTables& crcTables() {
  static const CrcTables tables = [] {
    CrcTables t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][n] = c;
    }
    for (std::uint32_t n = 0; n < 256; ++n)
      for (int k = 1; k < 8; ++k) t[k][n] = (t[k - 1][n] >> 8) ^ t[0][t[k - 1][n] & 0xFFu];
    return t;
  }();
  return tables;
}

// Part `index` of the registry into out; false when the registry has no such part.
bool readPart(int index, std::string& out) {
  const int size = syncore_idb_restore_size(index);
  if (size < 0) return false;
  out.resize(static_cast<std::size_t>(size));
  return size == 0 || syncore_idb_restore_copy(index, reinterpret_cast<unsigned char*>(&out[0])) == 1;
}

// Store names are the adapter's own identifiers; anything else cannot be written into the line.
bool plainName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

std::uint32_t crc32(const unsigned char* bytes, std::size_t n, std::uint32_t crc) {
  const CrcTables& t = crcTables();
  std::uint32_t c = ~crc;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint32_t lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (static_cast<std::uint32_t>(bytes[i + 3]) << 24));
    c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
        t[3][bytes[i + 4]] ^ t[2][bytes[i + 5]] ^ t[1][bytes[i + 6]] ^ t[0][bytes[i + 7]];
  }
  for (; i < n; ++i) c = t[0][(c ^ bytes[i]) & 0xFFu] ^ (c >> 8);
  return ~c;
}

bool storedRecordIntact(const std::string& store, const std::string& keyText, const std::string& stored) {
  if (stored.size() < kHeader || stored[0] != 'S' || stored[1] != 'R' || static_cast<unsigned char>(stored[2]) != kFormat)
    return false;
  const auto* b = reinterpret_cast<const unsigned char*>(stored.data());
  const std::uint32_t written = b[4] | (b[5] << 8) | (b[6] << 16) | (static_cast<std::uint32_t>(b[7]) << 24);
  return recordCrc(store, keyText, b[3], b + kHeader, stored.size() - kHeader) == written;
}

std::uint32_t recordCrc(const std::string& store, const std::string& keyText, unsigned char flag,
                        const unsigned char* payload, std::size_t n) {
  const unsigned char zero = 0;
  std::uint32_t crc = crc32(reinterpret_cast<const unsigned char*>(store.data()), store.size());
  crc = crc32(&zero, 1, crc);
  crc = crc32(reinterpret_cast<const unsigned char*>(keyText.data()), keyText.size(), crc);
  crc = crc32(&zero, 1, crc);
  if (flag != 0) crc = crc32(&flag, 1, crc);
  return crc32(payload, n, crc);
}

Status restoreStoredRecords(SyncCore& core, std::vector<std::size_t>& mismatched) {
  const int parts = syncore_idb_restore_parts();
  std::string store, key, stored, line;
  for (int i = 0; i + 2 < parts; i += 3) {
    const std::size_t position = static_cast<std::size_t>(i / 3);
    const bool read = readPart(i, store) && readPart(i + 1, key) && readPart(i + 2, stored);
    if (!read || !plainName(store) || key.empty() || !storedRecordIntact(store, key, stored)) {
      mismatched.push_back(position);
      line = "null";  // refused by the core; js/ names the reason (CORRUPT_RECORD, checksum)
    } else {
      line.clear();
      line.reserve(stored.size() + store.size() + key.size() + 32);
      // An entity record whose text the core wrote: its data is canonical text the core keeps as
      // it is (SyncCore::restoreAdd, kCanonicalMarker) rather than writing it again.
      const bool canonical = static_cast<unsigned char>(stored[3]) == kCanonicalText && store == "entities";
      line.append("{\"store\":\"").append(store).append("\",\"key\":").append(key);
      line.append(canonical ? ",\"canonical\":true,\"value\":" : ",\"value\":");
      line.append(stored, kHeader, std::string::npos).append("}");
    }
    if (Status s = core.restoreAdd(line); !s) return s;
  }
  return Status::ok();
}

}  // namespace syncore
