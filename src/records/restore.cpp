// The restart: a fresh core rebuilt from the records the persist effects wrote, record by record
// and in chunks of any size, so that no record (too deep, unreadable, torn) and no amount of data
// keeps an app from starting. restore() is the all-or-nothing form for callers that want it.
#include "records/restore_session.hpp"

#include <algorithm>

#include "records/canonical_entity_record.hpp"
#include "wire/json_fast.hpp"
#include "sync/sync_internal.hpp"

namespace syncore {

namespace {

bool stringList(const json& v, std::vector<std::string>& out) {
  if (!v.is_array()) return false;
  for (const json& s : v) {
    if (!s.is_string()) return false;
    out.push_back(s.get_ref<const std::string&>());
  }
  return true;
}

bool conflictFromJson(const json& v, ParkedConflict& c) {
  if (!v.is_object()) return false;
  for (const char* f : {"id", "collection", "entityId", "kind", "strategy"})
    if (!v.contains(f) || !v[f].is_string()) return false;
  for (const char* f : {"base", "local", "remote", "patch"})
    if (!v.contains(f)) return false;
  c.id = v["id"].get<std::string>();
  c.collection = v["collection"].get<std::string>();
  c.entityId = v["entityId"].get<std::string>();
  c.strategy = v["strategy"].get<std::string>();
  if (!mutationKindFromName(v["kind"].get<std::string>(), c.kind)) return false;
  c.base = v["base"];
  c.local = v["local"];
  c.remote = v["remote"];
  c.patch = v["patch"];
  if (!v.contains("remoteVersion") || !int64FromJson(v["remoteVersion"], c.remoteVersion)) return false;
  return v.contains("mutationIds") && stringList(v["mutationIds"], c.mutationIds) &&
         v.contains("paths") && stringList(v["paths"], c.paths);
}

Status corrupt(const std::string& what) { return Status::error(ErrorCode::CorruptRecord, what); }

// n when text is prefix followed by the decimal n (at most 18 digits), else 0: a number this
// client issued ("<client>:<seq>" keys, "<client>#<n>" mutation ids, "conflict-<n>").
std::uint64_t issuedNumber(const std::string& text, const std::string& prefix) {
  if (text.size() <= prefix.size() || text.size() > prefix.size() + 18 || text.compare(0, prefix.size(), prefix) != 0)
    return 0;
  std::uint64_t n = 0;
  for (std::size_t i = prefix.size(); i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return n;
}

// The highest key number and mutation number an outbox entry (or a dead letter's entry) holds.
void scanIssued(const json& entry, const std::string& clientId, std::uint64_t& key, std::uint64_t& mutation) {
  if (!entry.is_object()) return;
  if (auto k = entry.find("key"); k != entry.end() && k->is_string())
    key = std::max(key, issuedNumber(k->get_ref<const std::string&>(), clientId + ":"));
  if (auto ids = entry.find("mutationIds"); ids != entry.end() && ids->is_array())
    for (const json& id : *ids)
      if (id.is_string()) mutation = std::max(mutation, issuedNumber(id.get_ref<const std::string&>(), clientId + "#"));
}

bool conflictDepthOk(const ParkedConflict& c, const ParseLimits& limits, Status& why) {
  for (const json* v : {&c.base, &c.local, &c.remote, &c.patch}) {
    why = checkDataDepth(*v, limits, "a conflict's value");
    if (!why) return false;
  }
  return true;
}

}  // namespace

Status SyncCore::restoreBegin() {
  for (const auto& [name, c] : collections_)
    if (c.count() != 0 || c.tombstones() != 0)
      return Status::error(ErrorCode::InvalidArgument, "restore needs a fresh core");
  if (outbox_->size() != 0 || !outbox_->deadLetters().empty())
    return Status::error(ErrorCode::InvalidArgument, "restore needs a fresh core");
  restoring_ = std::make_unique<RestoreSession>();
  return Status::ok();
}

void SyncCore::refuseRecord(RestoreSession& rs, std::size_t index, std::string store, json key, Status why) {
  if (store == "entities") rs.entityRefused = true;
  rs.refused.push_back({index, std::move(store), std::move(key), std::move(why)});
}

namespace {

// A stored entity record whose text the core itself wrote (wasm/stored_restore.cpp marks it
// `"canonical":true`, just before its value): {"data":D,"deleted":b,"version":n}, keys sorted, so
// D runs from after {"data": to the last ,"deleted": (what follows D holds no nested value). D is
// then the canonical text of the data, kept as it is: a hydrate does not write every entity's
// text again (W5). None when the record is not of that shape.
constexpr std::string_view kCanonicalMarker = ",\"canonical\":true,\"value\":";

std::optional<std::string_view> canonicalDataText(std::string_view recordText) {
  const std::size_t marker = recordText.find(kCanonicalMarker);
  if (marker == std::string_view::npos || recordText.empty() || recordText.back() != '}') return std::nullopt;
  std::string_view value = recordText.substr(marker + kCanonicalMarker.size());
  value.remove_suffix(1);  // the record's closing brace
  constexpr std::string_view kData = "{\"data\":";
  const std::size_t end = value.rfind(",\"deleted\":");
  if (value.substr(0, kData.size()) != kData || end == std::string_view::npos || end <= kData.size()) return std::nullopt;
  std::string_view data = value.substr(kData.size(), end - kData.size());
  if (data.front() != '{' || data.back() != '}') return std::nullopt;
  return data;
}

}  // namespace

Status SyncCore::restoreAdd(std::string_view recordText) {
  if (!restoring_) return Status::error(ErrorCode::InvalidArgument, "no restore under way: call restoreBegin first");
  RestoreSession& rs = *restoring_;
  // The core's own entity record: read in one pass, no tree (records/canonical_entity_record.hpp).
  if (CanonicalEntityRecord r; readCanonicalEntityRecord(recordText, limits_.maxDepth, r, rs.scratch)) {
    ++rs.next;  // its index, as restoreAddValue counts records
    Collection* c = findCollection(r.collection);
    if (c == nullptr) return Status::ok();  // a collection the app no longer defines
    RestoreSession::EntityRecord e{c, std::string(r.id), r.version, r.deleted, nullptr, std::nullopt};
    if (!r.deleted) {
      e.text = std::string(rs.scratch);  // a string of exactly its size, as storedText's
      e.textOnly = true;
      e.textBytes = r.bytes;
    }
    rs.entities.push_back(std::move(e));
    return Status::ok();
  }
  json record;
  if (Status s = parseJsonFast(recordText, record, limits_.forText()); !s) {
    refuseRecord(rs, rs.next++, "", nullptr, std::move(s));
    return Status::ok();
  }
  auto canonical = record.find("canonical");
  if (canonical == record.end()) return restoreAddValue(std::move(record));
  record.erase(canonical);
  const std::size_t before = rs.entities.size();
  Status s = restoreAddValue(std::move(record));
  // The record went in as a live entity: its data text as stored.
  if (restoring_ && rs.entities.size() == before + 1 && !rs.entities.back().deleted)
    if (const auto text = canonicalDataText(recordText)) rs.entities.back().text = std::string(*text);
  return s;
}

Status SyncCore::restoreAddValue(json r) {
  if (!restoring_) return Status::error(ErrorCode::InvalidArgument, "no restore under way: call restoreBegin first");
  RestoreSession& rs = *restoring_;
  const std::size_t index = rs.next++;
  if (!r.is_object() || !r.contains("store") || !r["store"].is_string() || !r.contains("value")) {
    refuseRecord(rs, index, "", r.is_object() && r.contains("key") ? r["key"] : json(nullptr),
                 corrupt("not a {store, key, value} record"));
    return Status::ok();
  }
  std::string store = r["store"].get<std::string>();
  json key = r.contains("key") ? std::move(r["key"]) : json(nullptr);
  json& value = r["value"];
  const auto refuse = [&](Status why) { refuseRecord(rs, index, store, std::move(key), std::move(why)); };
  if (store == "entities") {
    if (!key.is_array() || key.size() != 2 || !key[0].is_string() || !key[1].is_string() ||
        !value.is_object() || !value.contains("version") || !value.contains("deleted") ||
        !value["deleted"].is_boolean() || !value.contains("data")) {
      refuse(corrupt("bad entity record"));
      return Status::ok();
    }
    Collection* c = findCollection(key[0].get_ref<const std::string&>());
    if (c == nullptr) return Status::ok();  // a collection the app no longer defines
    RestoreSession::EntityRecord e{c, key[1].get<std::string>(), 0, value["deleted"].get<bool>(), nullptr, std::nullopt};
    if (!int64FromJson(value["version"], e.version) || (!e.deleted && !value["data"].is_object())) {
      refuse(corrupt("bad entity record"));
      return Status::ok();
    }
    if (Status depth = checkDataDepth(value["data"], limits_, "the entity's data"); !depth) {
      refuse(std::move(depth));
      return Status::ok();
    }
    if (!e.deleted) e.data = std::move(value["data"]);
    rs.entities.push_back(std::move(e));
  } else if (store == "outbox" || store == "deadLetters") {
    const json* entry = &value;
    if (store == "deadLetters" && value.is_object() && value.contains("entry")) entry = &value["entry"];
    // The pending change and the base entity it was made on are entity data: the same limit.
    if (entry->is_object()) {
      const json* payload = entry->contains("payload") ? &(*entry)["payload"] : nullptr;
      const json* meta = entry->contains("meta") ? &(*entry)["meta"] : nullptr;
      const json* base = meta != nullptr && meta->is_object() && meta->contains("base") ? &(*meta)["base"] : nullptr;
      for (const json* data : {payload, base}) {
        if (data == nullptr) continue;
        if (Status depth = checkDataDepth(*data, limits_, "a pending change"); !depth) {
          refuse(std::move(depth));
          return Status::ok();
        }
      }
    }
    (store == "outbox" ? rs.outbox : rs.deadLetters).push_back({index, std::move(key), std::move(value)});
  } else if (store == "conflicts") {
    ParkedConflict pc;
    if (!conflictFromJson(value, pc)) {
      refuse(corrupt("bad conflict record"));
      return Status::ok();
    }
    if (Status depth; !conflictDepthOk(pc, limits_, depth)) {
      refuse(std::move(depth));
      return Status::ok();
    }
    rs.conflicts.emplace_back(index, std::move(pc));
  } else if (store == "meta") {
    // Only the core's own record: other meta keys belong to the shim.
    if (!key.is_null() && !(key.is_string() && key.get_ref<const std::string&>() == detail::kMetaKey)) return Status::ok();
    if (rs.meta) refuseRecord(rs, rs.meta->index, "meta", rs.meta->key, corrupt("a second meta record"));
    rs.meta = RestoreSession::Held{index, std::move(key), std::move(value)};
  } else {
    refuse(corrupt("unknown store '" + store + "'"));
  }
  return Status::ok();
}

Status SyncCore::restoreFinish(bool entitiesLost, Commit& out) { return finishRestore(false, entitiesLost, out); }

Status SyncCore::restore(const json& records, Commit& out) {
  if (!records.is_array()) return Status::error(ErrorCode::WrongType, "records must be an array");
  if (Status s = restoreBegin(); !s) return s;
  for (const json& r : records) restoreAddValue(r);
  return finishRestore(true, false, out);
}

Status SyncCore::finishRestore(bool strict, bool entitiesLost, Commit& out) {
  if (!restoring_) return Status::error(ErrorCode::InvalidArgument, "no restore under way: call restoreBegin first");
  std::unique_ptr<RestoreSession> session = std::move(restoring_);
  RestoreSession& rs = *session;

  // The meta record: client id, cursor, clock, counters and the outbox header. Without it the
  // outbox records cannot be restored (their keys and ids belong to that client id).
  std::string clientId = clientId_;
  std::int64_t cursor = cursor_;
  HlcTimestamp clock = clock_.last();
  std::uint64_t nextMutation = nextMutation_, nextConflict = nextConflict_, setAside = 0;
  json outboxDoc;
  bool metaOk = false;
  if (rs.meta) {
    const json& m = rs.meta->value;
    std::int64_t nm = 0, nc = 0, sa = 0;
    if (!m.is_object() || !m.contains("clientId") || !m["clientId"].is_string() ||
        !m.contains("cursor") || !int64FromJson(m["cursor"], cursor) || !m.contains("clock") ||
        !hlcFromJson(m["clock"], clock) || !m.contains("nextMutation") || !int64FromJson(m["nextMutation"], nm) ||
        nm < 1 || !m.contains("nextConflict") || !int64FromJson(m["nextConflict"], nc) || nc < 1 ||
        !m.contains("outbox") || !m["outbox"].is_object() ||
        (m.contains("setAside") && (!int64FromJson(m["setAside"], sa) || sa < 0))) {
      refuseRecord(rs, rs.meta->index, "meta", rs.meta->key, corrupt("meta record is not readable"));
    } else {
      // The header alone first: a bad one refuses the meta record, not the entries.
      json header = m["outbox"];
      header["entries"] = json::array();
      header["deadLetters"] = json::array();
      Outbox probe(m["clientId"].get<std::string>(), outbox_->config(), 1);
      if (Status s = Outbox::fromJson(header, probe); !s) {
        refuseRecord(rs, rs.meta->index, "meta", rs.meta->key, corrupt("outbox: " + s.message));
      } else {
        metaOk = true;
        clientId = m["clientId"].get<std::string>();
        nextMutation = static_cast<std::uint64_t>(nm);
        nextConflict = static_cast<std::uint64_t>(nc);
        setAside = static_cast<std::uint64_t>(sa);
        outboxDoc = m["outbox"];
      }
    }
  }
  if (!metaOk) {
    cursor = cursor_;
    clock = clock_.last();
    for (auto* held : {&rs.outbox, &rs.deadLetters}) {
      const char* store = held == &rs.outbox ? "outbox" : "deadLetters";
      for (RestoreSession::Held& h : *held)
        refuseRecord(rs, h.index, store, std::move(h.key), corrupt("an outbox record without a readable meta record"));
      held->clear();
    }
  }

  // The counters must lie beyond every number already issued, or the next mutation would reuse a
  // stored key or id (a server would take it for a resend). Records that say otherwise (torn or
  // tampered) are repaired by moving the counters on, rather than refused: nothing is lost.
  std::uint64_t highestKey = 0, highestMutation = 0, highestConflict = 0;
  for (const RestoreSession::Held& h : rs.outbox) scanIssued(h.value, clientId, highestKey, highestMutation);
  for (const RestoreSession::Held& h : rs.deadLetters)
    if (h.value.is_object() && h.value.contains("entry")) scanIssued(h.value["entry"], clientId, highestKey, highestMutation);
  for (const auto& [index, pc] : rs.conflicts) {
    highestConflict = std::max(highestConflict, issuedNumber(pc.id, "conflict-"));
    for (const std::string& id : pc.mutationIds) highestMutation = std::max(highestMutation, issuedNumber(id, clientId + "#"));
  }
  nextMutation = std::max(nextMutation, highestMutation + 1);
  nextConflict = std::max(nextConflict, highestConflict + 1);
  if (auto seq = outboxDoc.find("nextSeq"); seq != outboxDoc.end() && seq->is_number_unsigned() &&
                                            seq->get<std::uint64_t>() <= highestKey)
    *seq = highestKey + 1;

  auto restored = std::make_unique<Outbox>(clientId, outbox_->config(), 1);
  if (metaOk) {
    json entries = json::array();
    json dead = json::array();
    for (RestoreSession::Held& h : rs.outbox) entries.push_back(std::move(h.value));
    for (RestoreSession::Held& h : rs.deadLetters) dead.push_back(std::move(h.value));
    outboxDoc["entries"] = std::move(entries);
    outboxDoc["deadLetters"] = std::move(dead);
    std::vector<Outbox::SkippedEntry> skipped;
    if (Status s = Outbox::fromJson(outboxDoc, *restored, &skipped); !s) return corrupt("outbox: " + s.message);  // the header was checked
    for (Outbox::SkippedEntry& sk : skipped) {
      RestoreSession::Held& h = sk.deadLetter ? rs.deadLetters[sk.index] : rs.outbox[sk.index];
      refuseRecord(rs, h.index, sk.deadLetter ? "deadLetters" : "outbox", std::move(h.key), corrupt(sk.status.message));
    }
  }

  std::sort(rs.refused.begin(), rs.refused.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  if (strict && !rs.refused.empty()) {
    const RestoreSession::Refused& first = rs.refused.front();
    Status s = Status::error(first.status.code, "record " + std::to_string(first.index) + ": " + first.status.message);
    s.store = first.store;
    s.key = dumpJson(first.key);
    s.index = static_cast<std::int64_t>(first.index);
    return s;
  }
  const bool resetCursor = entitiesLost || rs.entityRefused;

  // Apply.
  beginCommit(lastNow_);
  clientId_ = clientId;
  outbox_ = std::move(restored);
  applyServerLimits();
  clock_ = HybridLogicalClock(clientId_, clock_.maxDriftMs());
  clock_.restore(clock);
  cursor_ = resetCursor ? 0 : cursor;
  nextMutation_ = nextMutation;
  nextConflict_ = nextConflict;
  setAside_ = setAside;
  restoreResyncMeta(metaOk ? &rs.meta->value : nullptr);
  for (RestoreSession::EntityRecord& e : rs.entities) {
    touchKnown(e.collection, e.id, false);
    if (e.deleted) e.collection->remove(e.id, e.version);
    else if (e.textOnly) e.collection->upsertText(e.id, e.version, EntityText{std::move(*e.text), e.textBytes});
    else e.collection->upsert(e.id, e.version, std::move(e.data), std::move(e.text));
  }
  rs.entities.clear();
  for (auto& [index, pc] : rs.conflicts) conflicts_[pc.id] = std::move(pc);
  // What storage holds: a dead letter later retried or discarded has its record deleted.
  for (const DeadLetter& d : outbox_->deadLetters()) storedDeadLetters_.insert(d.entry.seq);
  for (const auto& [seq, entry] : outbox_->entries()) {
    Collection* c = findCollection(entry.collection);
    if (c == nullptr) continue;
    touch(c, entry.entityId, false);
    recomputeView(c, entry.entityId);
  }
  // What was just read back is already stored: nothing to persist, but a cursor moved back to 0
  // (a lost entity leaves a hole only a catch-up from the start fills) must outlive a reload.
  work_.clearRecords();
  work_.meta = resetCursor && metaOk;
  for (const RestoreSession::Refused& r : rs.refused) {
    out.events.push_back({EventType::RecordRefused, {{"index", r.index}, {"store", r.store}, {"key", r.key},
                          {"code", errorCodeName(r.status.code)}, {"message", r.status.message}}});
  }
  finishCommit(out);
  return Status::ok();
}

}  // namespace syncore
