// See record_text.hpp. The keys go in the order nlohmann's std::map keeps them (sorted by bytes);
// numbers and strings through the same writers appendJson uses, so the text is dump's own.
#include "records/record_text.hpp"

#include <charconv>

namespace syncore {

namespace {

// '"name":' (a field name of the record format: plain ASCII, nothing to escape), after a comma
// unless it is the first.
void field(std::string& out, const char* name, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":";
}

template <class Int>
void number(std::string& out, Int n) {
  char digits[24];
  out.append(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits));
}

void boolean(std::string& out, bool b) { out += b ? "true" : "false"; }

// pendingMetaToJson's tree as text: null, or {"base": ..., "ts": {"counter","node","wall"} | null}.
void appendMetaText(std::string& out, const std::optional<PendingMeta>& meta) {
  if (!meta) {
    out += "null";
    return;
  }
  out += '{';
  field(out, "base", true);
  if (!meta->baseText.empty()) out += meta->baseText;  // the store's canonical text
  else appendJson(out, meta->base);
  field(out, "ts");
  if (meta->ts) {
    appendHlcText(out, *meta->ts);
  } else {
    out += "null";
  }
  out += '}';
}

}  // namespace

void appendHlcText(std::string& out, const HlcTimestamp& t) {
  out += '{';
  field(out, "counter", true);
  number(out, t.counter);
  field(out, "node");
  appendJsonString(out, t.node);
  field(out, "wall");
  number(out, t.wallMs);
  out += '}';
}

void appendOutboxEntryText(std::string& out, const OutboxEntry& e) {
  out += '{';
  field(out, "attempts", true);
  number(out, e.attempts);
  field(out, "baseVersion");
  number(out, e.baseVersion);
  field(out, "collection");
  appendJsonString(out, e.collection);
  field(out, "entityId");
  appendJsonString(out, e.entityId);
  if (e.expireAtMs >= 0) {  // queue control: only when set (outboxEntryToJson)
    field(out, "expireAfterMs");
    number(out, e.expireAfterMs);
    field(out, "expireAtMs");
    number(out, e.expireAtMs);
  }
  field(out, "key");
  appendJsonString(out, e.key);
  field(out, "kind");
  appendJsonString(out, mutationKindName(e.kind));
  if (e.maxRetries >= 0) {
    field(out, "maxRetries");
    number(out, e.maxRetries);
  }
  field(out, "meta");
  appendMetaText(out, e.meta);
  field(out, "mutationIds");
  out += '[';
  for (std::size_t i = 0; i < e.mutationIds.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, e.mutationIds[i]);
  }
  out += ']';
  field(out, "notBeforeMs");
  number(out, e.notBeforeMs);
  field(out, "payload");
  appendJson(out, e.payload);
  field(out, "priority");
  appendJsonString(out, priorityName(e.priority));
  field(out, "sent");
  boolean(out, e.sent);
  field(out, "seq");
  number(out, e.seq);
  field(out, "state");
  out += e.state == OutboxEntry::State::InFlight ? "\"inFlight\"" : "\"queued\"";
  field(out, "strategy");
  appendJsonString(out, e.strategy);
  out += '}';
}

void appendEntityValueText(std::string& out, const Entity& e) {
  out += "{\"data\":";
  if (e.deleted) out += "null";
  else if (!e.text.empty()) out += e.text;  // the store's canonical text (store/stored_json.hpp)
  else appendJson(out, e.data());
  out += ",\"deleted\":";
  boolean(out, e.deleted);
  out += ",\"version\":";
  number(out, e.version);
  out += '}';
}

}  // namespace syncore
