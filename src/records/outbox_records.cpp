// Outbox persistence. The state is written to IndexedDB by the JS shim and read back after a
// reload, so the reader trusts nothing: every field is type- and range-checked, and a bad
// document yields a Status instead of a half-restored outbox.
#include <limits>
#include <set>

#include "sync/outbox.hpp"

namespace syncore {

namespace {

constexpr std::int64_t kFormat = 1;

// 64-bit PRNG words go out as hex text: JS numbers would silently round them. Sixteen lower-case
// digits, zero-padded (what "%016llx" writes), without snprintf: the meta record that every local
// write persists holds four of them, and snprintf's format machinery was most of writing it (W4).
std::string toHex(std::uint64_t value) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = kDigits[value & 0xFu];
  return out;
}

bool fromHex(const json& value, std::uint64_t& out) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty() || text.size() > 16) return false;
  std::uint64_t result = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return false;
    result = (result << 4) | static_cast<std::uint64_t>(digit);
  }
  out = result;
  return true;
}

// Reads fields of one JSON object, remembering the first error with the field's path.
class FieldReader {
 public:
  FieldReader(const json& object, std::string where, Status& status)
      : object_(object), where_(std::move(where)), status_(status) {}

  const json* field(const char* name, bool required) {
    auto it = object_.find(name);
    if (it != object_.end()) return &*it;
    if (required) failAt(name, "is missing");
    return nullptr;
  }

  void uint64(const char* name, std::uint64_t& out, bool required, std::uint64_t max = UINT64_MAX) {
    const json* v = field(name, required);
    if (v == nullptr) return;
    std::int64_t asSigned = 0;
    if (v->is_number_unsigned() && v->get<std::uint64_t>() <= max) out = v->get<std::uint64_t>();
    else if (int64FromJson(*v, asSigned) && asSigned >= 0 && static_cast<std::uint64_t>(asSigned) <= max)
      out = static_cast<std::uint64_t>(asSigned);
    else failAt(name, "must be a non-negative integer of at most " + std::to_string(max));
  }

  void int64(const char* name, std::int64_t& out, bool required) {
    const json* v = field(name, required);
    if (v != nullptr && !int64FromJson(*v, out)) failAt(name, "must be a 64-bit integer");
  }

  void string(const char* name, std::string& out, bool required, bool nonEmpty) {
    const json* v = field(name, required);
    if (v == nullptr) return;
    if (!v->is_string() || (nonEmpty && v->get_ref<const std::string&>().empty())) {
      failAt(name, nonEmpty ? "must be a non-empty string" : "must be a string");
      return;
    }
    out = v->get_ref<const std::string&>();
  }

  void boolean(const char* name, bool& out, bool required) {
    const json* v = field(name, required);
    if (v == nullptr) return;
    if (v->is_boolean()) out = v->get<bool>();
    else failAt(name, "must be a boolean");
  }

  void failAt(const std::string& name, const std::string& what) {
    if (!status_.isOk()) return;
    status_ = Status::error(ErrorCode::InvalidArgument, where_ + "." + name + " " + what);
  }

 private:
  const json& object_;
  std::string where_;
  Status& status_;
};

}  // namespace

json pendingMetaToJson(const std::optional<PendingMeta>& meta) {
  if (!meta) return nullptr;
  return {{"ts", meta->ts ? hlcToJson(*meta->ts) : json(nullptr)}, {"base", meta->baseValue()}};
}

std::optional<PendingMeta> pendingMetaFromJson(const json& value) {
  if (!value.is_object()) return std::nullopt;
  PendingMeta meta;
  HlcTimestamp ts;
  if (auto it = value.find("ts"); it != value.end() && hlcFromJson(*it, ts)) meta.ts = std::move(ts);
  if (auto it = value.find("base"); it != value.end()) meta.base = *it;
  return meta;
}

json outboxEntryToJson(const OutboxEntry& e) {
  json ids = json::array();
  for (const auto& id : e.mutationIds) ids.push_back(id);
  json out{{"seq", e.seq},
           {"key", e.key},
           {"mutationIds", std::move(ids)},
           {"collection", e.collection},
           {"entityId", e.entityId},
           {"kind", mutationKindName(e.kind)},
           {"payload", e.payload},
           {"baseVersion", e.baseVersion},
           {"priority", priorityName(e.priority)},
           {"strategy", e.strategy},
           {"meta", pendingMetaToJson(e.meta)},
           {"state", e.state == OutboxEntry::State::InFlight ? "inFlight" : "queued"},
           {"attempts", e.attempts},
           {"notBeforeMs", e.notBeforeMs},
           {"sent", e.sent}};
  // Queue control (docs/queue_control.md): only when set, so older records read the same.
  if (e.maxRetries >= 0) out["maxRetries"] = e.maxRetries;
  if (e.expireAtMs >= 0) {
    out["expireAtMs"] = e.expireAtMs;
    out["expireAfterMs"] = e.expireAfterMs;
  }
  return out;
}

Status outboxEntryFromJson(const json& value, const std::string& where, OutboxEntry& e) {
  Status status;
  if (!value.is_object()) return Status::error(ErrorCode::WrongType, where + " must be an object");
  FieldReader r(value, where, status);
  r.uint64("seq", e.seq, true);
  if (status.isOk() && e.seq == 0) r.failAt("seq", "must be positive");
  r.string("key", e.key, true, true);
  if (const json* ids = r.field("mutationIds", true)) {
    if (!ids->is_array() || ids->empty()) r.failAt("mutationIds", "must be a non-empty array");
    else {
      for (const json& id : *ids) {
        if (!id.is_string()) {
          r.failAt("mutationIds", "must hold strings only");
          break;
        }
        e.mutationIds.push_back(id.get_ref<const std::string&>());
      }
    }
  }
  r.string("collection", e.collection, true, true);
  r.string("entityId", e.entityId, true, true);
  std::string name;
  r.string("kind", name, true, true);
  if (status.isOk() && !mutationKindFromName(name, e.kind)) r.failAt("kind", "is not a mutation kind");
  if (const json* payload = r.field("payload", false)) e.payload = *payload;
  if (status.isOk() && !payloadFitsKind(e.kind, e.payload)) {
    r.failAt("payload", "does not fit the kind (object for create/update, null for delete)");
  }
  r.int64("baseVersion", e.baseVersion, false);
  name = priorityName(Priority::Normal);
  r.string("priority", name, false, true);
  if (status.isOk() && !priorityFromName(name, e.priority)) r.failAt("priority", "is not a priority");
  r.string("strategy", e.strategy, false, false);
  if (const json* meta = r.field("meta", false)) e.meta = pendingMetaFromJson(*meta);
  name = "queued";
  r.string("state", name, false, true);
  if (status.isOk() && name != "queued" && name != "inFlight") r.failAt("state", "is not a state");
  std::uint64_t attempts = 0;
  r.uint64("attempts", attempts, false, std::numeric_limits<std::uint32_t>::max());
  e.attempts = static_cast<std::uint32_t>(attempts);
  r.int64("notBeforeMs", e.notBeforeMs, false);
  r.boolean("sent", e.sent, false);
  r.int64("maxRetries", e.maxRetries, false);
  r.int64("expireAtMs", e.expireAtMs, false);
  r.int64("expireAfterMs", e.expireAfterMs, false);
  if (status.isOk() && (e.maxRetries < -1 || e.expireAtMs < -1 || e.expireAfterMs < -1))
    r.failAt(e.maxRetries < -1 ? "maxRetries" : "expireAtMs", "must be -1 or more");
  if (status.isOk() && name == "inFlight") {
    // The answer to that send is lost with the old session: queue it again, as a disconnect does.
    if (e.attempts > 0) --e.attempts;
    e.sent = true;
  }
  e.state = OutboxEntry::State::Queued;
  e.batch = 0;
  return status;
}


namespace {

Status deadLetterFromJson(const json& item, const std::string& where, DeadLetter& letter) {
  if (!item.is_object()) return Status::error(ErrorCode::WrongType, where + " must be an object");
  const json* entry = item.find("entry") != item.end() ? &*item.find("entry") : nullptr;
  if (entry == nullptr) return Status::error(ErrorCode::InvalidArgument, where + ".entry is missing");
  Status status = outboxEntryFromJson(*entry, where + ".entry", letter.entry);
  if (!status.isOk()) return status;
  FieldReader lr(item, where, status);
  std::string cls;
  lr.string("errorClass", cls, true, true);
  if (status.isOk() && !errorClassFromName(cls, letter.errorClass)) lr.failAt("errorClass", "is not an error class");
  lr.string("message", letter.message, false, false);
  return status;
}

}  // namespace

json Outbox::headerToJson() const {
  json prng = json::array();
  for (std::uint64_t word : prng_.state()) prng.push_back(toHex(word));
  json header{{"format", kFormat}, {"nextSeq", nextSeq_}, {"nextBatch", nextBatch_},
              {"paused", paused_}, {"prng", std::move(prng)}};
  if (!held_.empty()) {
    json held = json::array();
    for (const auto& [collection, id] : held_) held.push_back(json::array({collection, id}));
    header["held"] = std::move(held);
  }
  return header;
}

void Outbox::appendHeaderText(std::string& out) const {
  // The keys in the order of headerToJson's std::map: format, held, nextBatch, nextSeq, paused, prng.
  out += "{\"format\":";
  out += std::to_string(kFormat);
  if (!held_.empty()) {
    out += ",\"held\":[";
    bool first = true;
    for (const auto& [collection, id] : held_) {
      out += first ? "[" : ",[";
      first = false;
      appendJsonString(out, collection);
      out += ',';
      appendJsonString(out, id);
      out += ']';
    }
    out += ']';
  }
  out += ",\"nextBatch\":";
  out += std::to_string(nextBatch_);
  out += ",\"nextSeq\":";
  out += std::to_string(nextSeq_);
  out += paused_ ? ",\"paused\":true,\"prng\":[" : ",\"paused\":false,\"prng\":[";
  bool first = true;
  for (std::uint64_t word : prng_.state()) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += toHex(word);  // hex digits: nothing to escape
    out += '"';
  }
  out += "]}";
}

json Outbox::toJson() const {
  json entries = json::array();
  for (const auto& [seq, entry] : log_) entries.push_back(outboxEntryToJson(entry));
  json dead = json::array();
  for (const DeadLetter& letter : dead_) {
    dead.push_back(json{{"entry", outboxEntryToJson(letter.entry)},
                        {"errorClass", errorClassName(letter.errorClass)},
                        {"message", letter.message}});
  }
  json state = headerToJson();
  state["entries"] = std::move(entries);
  state["deadLetters"] = std::move(dead);
  return state;
}

Status Outbox::fromJson(const json& state, Outbox& out) { return fromJson(state, out, nullptr); }

Status Outbox::fromJson(const json& state, Outbox& out, std::vector<SkippedEntry>* skipped) {
  if (!state.is_object()) return Status::error(ErrorCode::WrongType, "outbox state must be an object");
  Status status;
  FieldReader r(state, "outbox", status);
  std::int64_t format = 0;
  r.int64("format", format, true);
  if (status.isOk() && format != kFormat) r.failAt("format", "is not a known version");

  Outbox restored(out.clientId_, out.config_, 0);
  r.uint64("nextSeq", restored.nextSeq_, true);
  if (status.isOk() && restored.nextSeq_ == 0) r.failAt("nextSeq", "must be positive");
  std::uint64_t nextBatch = 1;
  r.uint64("nextBatch", nextBatch, false, std::numeric_limits<std::uint32_t>::max());
  if (status.isOk() && nextBatch == 0) r.failAt("nextBatch", "must be positive");
  restored.nextBatch_ = static_cast<std::uint32_t>(nextBatch);
  r.boolean("paused", restored.paused_, false);

  if (const json* prng = r.field("prng", true)) {
    Prng::State words{};
    bool good = prng->is_array() && prng->size() == words.size();
    for (std::size_t i = 0; good && i < words.size(); ++i) good = fromHex((*prng)[i], words[i]);
    if (!good || !restored.prng_.setState(words)) {
      r.failAt("prng", "must be four hex words, not all zero");
    }
  }
  if (const json* held = r.field("held", false)) {
    bool good = held->is_array();
    for (std::size_t i = 0; good && i < held->size(); ++i) {
      const json& key = (*held)[i];
      good = key.is_array() && key.size() == 2 && key[0].is_string() && key[1].is_string();
      if (good) restored.held_.insert({key[0].get<std::string>(), key[1].get<std::string>()});
    }
    if (!good) r.failAt("held", "must be an array of [collection, id] pairs");
  }
  const json* entries = r.field("entries", true);
  if (entries != nullptr && !entries->is_array()) r.failAt("entries", "must be an array");
  const json* dead = r.field("deadLetters", false);
  if (dead != nullptr && !dead->is_array()) r.failAt("deadLetters", "must be an array");
  if (!status.isOk()) return status;

  // Seqs order the log and keys dedup on the server: both must be unique across the whole state.
  std::set<std::uint64_t> seqs;
  std::set<std::string> keys;
  const auto claim = [&](const OutboxEntry& e, const std::string& where) {
    if (e.seq >= restored.nextSeq_) {
      return Status::error(ErrorCode::InvalidArgument, where + ".seq is not below nextSeq");
    }
    if (!seqs.insert(e.seq).second) {
      return Status::error(ErrorCode::InvalidArgument, where + ".seq " + std::to_string(e.seq) + " is duplicated");
    }
    if (!keys.insert(e.key).second) {
      return Status::error(ErrorCode::InvalidArgument, where + ".key " + e.key + " is duplicated");
    }
    return Status::ok();
  };

  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = "outbox.entries[" + std::to_string(i) + "]";
    OutboxEntry entry;
    status = outboxEntryFromJson((*entries)[i], where, entry);
    if (status.isOk()) status = claim(entry, where);
    if (!status.isOk()) {
      if (skipped == nullptr) return status;
      skipped->push_back({false, i, std::move(status)});
      status = Status::ok();
      continue;
    }
    restored.insertEntry(std::move(entry));
  }
  for (std::size_t i = 0; dead != nullptr && i < dead->size(); ++i) {
    const std::string where = "outbox.deadLetters[" + std::to_string(i) + "]";
    DeadLetter letter;
    status = deadLetterFromJson((*dead)[i], where, letter);
    if (status.isOk()) status = claim(letter.entry, where + ".entry");
    if (!status.isOk()) {
      if (skipped == nullptr) return status;
      skipped->push_back({true, i, std::move(status)});
      status = Status::ok();
      continue;
    }
    restored.dead_.push_back(std::move(letter));
  }
  out = std::move(restored);
  return Status::ok();
}

}  // namespace syncore
