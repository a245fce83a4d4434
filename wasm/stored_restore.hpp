// Restore from records in their stored form (js/storage/record_codec.js), pulled from the JS
// registry of wasm/idb_library.js into wasm memory. Wasm glue, not src/: the core only ever sees
// each record's JSON text (SyncCore::restoreAdd).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sync/sync_core.hpp"

namespace syncore {

// Header byte 3 of a stored record: 1 when its text is the core's own canonical dump (written by
// the wasm side's sealing, wasm/persist_records.cpp), 0 when written by JS (JSON.stringify: key
// order and number forms may differ). A nonzero flag is covered by the CRC-32 (recordCrc), so a
// flipped flag fails the check like any other torn byte; flag 0 leaves the checksum as format 1
// always had it, so records written before the flag existed still check.
constexpr unsigned char kCanonicalText = 1;

// CRC-32 (IEEE, reflected 0xEDB88320) of bytes, continuing from crc (0 to start).
std::uint32_t crc32(const unsigned char* bytes, std::size_t n, std::uint32_t crc = 0);

// The CRC-32 a record carries: of `${store}\0${keyText}\0`, then the flag byte when it is not 0,
// then the payload (payload, n: the bytes after the 8-byte header).
std::uint32_t recordCrc(const std::string& store, const std::string& keyText, unsigned char flag,
                        const unsigned char* payload, std::size_t n);

// Whether `stored` (header, CRC-32 LE, payload) is format 1 and carries its recordCrc.
bool storedRecordIntact(const std::string& store, const std::string& keyText, const std::string& stored);

// Adds every record of the registry to the core's restore session, in order. A record whose
// checksum fails is added as a refused placeholder (so indexes stay aligned) and its position
// (0-based, in this call) is appended to `mismatched`.
Status restoreStoredRecords(SyncCore& core, std::vector<std::size_t>& mismatched);

}  // namespace syncore
