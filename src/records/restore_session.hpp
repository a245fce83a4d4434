// What a restore in chunks (SyncCore::restoreBegin / restoreAdd / restoreFinish) holds between
// calls: the records read so far, checked one by one, and the ones refused. Nothing reaches the
// core's state before restoreFinish.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sync/sync_core.hpp"

namespace syncore {

struct SyncCore::RestoreSession {
  struct EntityRecord {
    Collection* collection;
    std::string id;
    std::int64_t version;
    bool deleted;
    json data;
    std::optional<std::string> text;  // data's canonical text when the record carried it (else written from data)
    // Only the text was read (data is then a placeholder `{}`: the index row comes from the text),
    // with the footprint the canonical writer reckoned for it.
    bool textOnly = false;
    std::size_t textBytes = 0;
  };
  // A record kept as read until the meta record (client id, counters) is known.
  struct Held {
    std::size_t index;
    json key;
    json value;
  };
  struct Refused {
    std::size_t index;
    std::string store;  // empty when the record could not be read at all
    json key;
    Status status;
  };
  std::vector<EntityRecord> entities;
  std::vector<Held> outbox, deadLetters;
  std::vector<std::pair<std::size_t, ParkedConflict>> conflicts;
  std::optional<Held> meta;
  std::vector<Refused> refused;
  std::size_t next = 0;  // the index of the next record added
  std::string scratch;   // restoreAdd's canonical text, before its exact-size copy
  bool entityRefused = false;
};

}  // namespace syncore
