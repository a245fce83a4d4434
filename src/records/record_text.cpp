// See record_text.hpp. The keys go in the order nlohmann's std::map keeps them (sorted by bytes);
// numbers and strings through the same writers appendJson uses, so the text is dump's own.
#include "records/record_text.hpp"

#include "base/json_util.hpp"

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
  appendDecimal(out, t.counter);
  field(out, "node");
  appendJsonString(out, t.node);
  field(out, "wall");
  appendDecimal(out, t.wallMs);
  out += '}';
}

void appendOutboxEntryText(std::string& out, const OutboxEntry& e) {
  out += '{';
  field(out, "attempts", true);
  appendDecimal(out, e.attempts);
  field(out, "baseVersion");
  appendDecimal(out, e.baseVersion);
  field(out, "collection");
  appendJsonString(out, e.collection);
  field(out, "entityId");
  appendJsonString(out, e.entityId);
  if (e.expireAtMs >= 0) {  // queue control: only when set (outboxEntryToJson)
    field(out, "expireAfterMs");
    appendDecimal(out, e.expireAfterMs);
    field(out, "expireAtMs");
    appendDecimal(out, e.expireAtMs);
  }
  field(out, "key");
  appendJsonString(out, e.key);
  field(out, "kind");
  appendJsonString(out, mutationKindName(e.kind));
  if (e.maxRetries >= 0) {
    field(out, "maxRetries");
    appendDecimal(out, e.maxRetries);
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
  appendDecimal(out, e.notBeforeMs);
  field(out, "payload");
  appendJson(out, e.payload);
  field(out, "priority");
  appendJsonString(out, priorityName(e.priority));
  field(out, "sent");
  boolean(out, e.sent);
  field(out, "seq");
  appendDecimal(out, e.seq);
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
  appendDecimal(out, e.version);
  out += '}';
}

}  // namespace syncore
