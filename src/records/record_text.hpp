// Persisted records' values written straight as canonical text: the bytes dumpJson writes for the
// trees persist.cpp builds (entityValue, outboxEntryToJson), byte for byte, with no tree of the
// record. For a shim that seals records as text (wasm/persist_records.cpp, issue 15 W4): an
// outbox entry's payload is not copied into a record tree and dumped from the copy, an entity's
// data and a pending base are the store's canonical text, copied as they are.
#pragma once
#include <string>

#include "store/collection.hpp"
#include "sync/hlc.hpp"
#include "sync/outbox.hpp"

namespace syncore {

// dumpJson(outboxEntryToJson(e)), appended to out.
void appendOutboxEntryText(std::string& out, const OutboxEntry& e);

// dumpJson({"version", "deleted", "data"}) of a confirmed entity (persist.cpp's entityValue).
void appendEntityValueText(std::string& out, const Entity& e);

// dumpJson(hlcToJson(t)).
void appendHlcText(std::string& out, const HlcTimestamp& t);

}  // namespace syncore
