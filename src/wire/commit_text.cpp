#include "wire/commit_text.hpp"


namespace syncore {

namespace {

void appendString(std::string& out, const std::string& s) { appendJsonString(out, s); }

void appendIds(std::string& out, const std::vector<std::string>& ids) {
  out += '[';
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    appendString(out, ids[i]);
  }
  out += ']';
}

// {"type":"<name>", ...fields}: the fields' own text with the type put in front.
void appendTyped(std::string& out, const char* type, const json& fields) {
  out += "{\"type\":\"";
  out += type;  // a vocabulary name: nothing to escape
  out += '"';
  if (fields.is_object() && !fields.empty()) {
    const std::size_t at = out.size();
    appendJson(out, fields);  // "{...}" straight into out; its brace becomes the comma
    out[at] = ',';
  } else {
    out += '}';
  }
}

// The queued names as appendTyped writes their object: the type, then the keys in their order.
void appendQueued(std::string& out, const char* type, const QueuedNames& names) {
  out += "{\"type\":\"";
  out += type;
  out += "\",\"collection\":";
  appendString(out, names.collection);
  out += ",\"id\":";
  appendString(out, names.id);
  out += ",\"mutationId\":";
  appendString(out, names.mutationId);
  out += '}';
}

}  // namespace

json Effect::toJson() const {
  json out = fields.is_object() ? fields : json::object();
  out["type"] = effectKindName(kind);
  if (!texts.empty()) {
    json& put = out["put"];
    if (!put.is_array()) put = json::array();
    for (const RecordText& r : texts) {
      json value;
      if (!parseJsonValue(r.text, value)) value = nullptr;  // the core's own dump: always valid
      put.push_back({{"store", r.store}, {"key", r.key}, {"value", std::move(value)}});
    }
  }
  return out;
}

json Event::fieldsJson() const {
  if (!queued) return fields.is_object() ? fields : json::object();
  json out = json::object();
  out["collection"] = queued->collection;
  out["id"] = queued->id;
  out["mutationId"] = queued->mutationId;
  return out;
}

json Event::toJson() const {
  json out = fieldsJson();
  out["type"] = eventTypeName(type);
  return out;
}

namespace {

json countsToJson(const CommitCounts& c) {
  return {{"pending", c.pending}, {"deadLetters", c.deadLetters}, {"conflicts", c.conflicts},
          {"setAside", c.setAside}, {"resyncing", c.resyncing}};
}

}  // namespace

json commitToJson(const Commit& commit) {
  json queries = json::object();
  for (const auto& q : commit.queries)
    queries[std::to_string(q.query)] = {{"ids", q.ids}, {"total", q.total}};
  json out = {{"changes", changeSetToJson(commit.changes)},
              {"notify", commit.notify},
              {"queries", std::move(queries)},
              {"cursor", commit.cursor},
              {"counts", countsToJson(commit.counts)}};
  if (!commit.effects.empty()) {
    json effects = json::array();
    for (const Effect& e : commit.effects) effects.push_back(e.toJson());
    out["effects"] = std::move(effects);
  }
  if (!commit.events.empty()) {
    json events = json::array();
    for (const Event& e : commit.events) events.push_back(e.toJson());
    out["events"] = std::move(events);
  }
  if (!commit.renamed.empty()) out["renamed"] = commit.renamed;
  if (!commit.views.empty()) {
    json list = json::array();
    for (const auto& [collection, views] : commit.views)
      for (const auto& [id, view] : views) list.push_back(json::array({collection, id, *view}));
    out["viewList"] = std::move(list);
  }
  return out;
}

std::string commitToText(const Commit& commit, const std::string& mutationId) {
  std::string out;
  out.reserve(160);
  appendCommitText(out, commit, mutationId);
  return out;
}

namespace {

// {"created":[...],"deleted":[...],"updated":[...]}
void appendChangeObject(std::string& out, const CollectionChanges& c) {
  out += "{\"created\":";
  appendIds(out, c.created);
  out += ",\"deleted\":";
  appendIds(out, c.deleted);
  out += ",\"updated\":";
  appendIds(out, c.updated);
  out += '}';
}

}  // namespace

void appendChangeLines(std::string& out, const Commit& commit) {
  for (const auto& [name, c] : commit.changes.collections) {
    if (c.empty()) continue;
    out += '\n';
    appendChangeObject(out, c);
  }
}

void appendCommitText(std::string& out, const Commit& commit, const std::string& mutationId, ChangeIds ids) {
  out += "{\"changes\":{";
  bool first = true;
  for (const auto& [name, c] : commit.changes.collections) {
    if (c.empty()) continue;
    if (!first) out += ',';
    first = false;
    appendString(out, name);
    out += ':';
    if (ids == ChangeIds::Inline) {
      appendChangeObject(out, c);
      continue;
    }
    out += '[';
    appendDecimal(out, c.created.size());
    out += ',';
    appendDecimal(out, c.deleted.size());
    out += ',';
    appendDecimal(out, c.updated.size());
    out += ']';
  }
  out += "},\"counts\":{\"conflicts\":";
  out += std::to_string(commit.counts.conflicts);
  out += ",\"deadLetters\":";
  out += std::to_string(commit.counts.deadLetters);
  out += ",\"pending\":";
  out += std::to_string(commit.counts.pending);
  out += ",\"resyncing\":";
  out += commit.counts.resyncing ? "true" : "false";
  out += ",\"setAside\":";
  out += std::to_string(commit.counts.setAside);
  out += "},\"cursor\":";
  out += std::to_string(commit.cursor);
  if (!commit.effects.empty()) {
    out += ",\"effects\":[";
    for (std::size_t i = 0; i < commit.effects.size(); ++i) {
      if (i > 0) out += ',';
      appendTyped(out, effectKindName(commit.effects[i].kind), commit.effects[i].fields);
    }
    out += ']';
  }
  if (!commit.events.empty()) {
    out += ",\"events\":[";
    for (std::size_t i = 0; i < commit.events.size(); ++i) {
      if (i > 0) out += ',';
      const Event& e = commit.events[i];
      if (e.queued) appendQueued(out, eventTypeName(e.type), *e.queued);
      else appendTyped(out, eventTypeName(e.type), e.fields);
    }
    out += ']';
  }
  if (!mutationId.empty()) {
    out += ",\"mutationId\":";
    appendString(out, mutationId);
  }
  out += ",\"notify\":[";
  for (std::size_t i = 0; i < commit.notify.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(commit.notify[i]);
  }
  out += "],\"queries\":{";
  // Keyed by query id, as commitToJson's object is (a later duplicate would win there; ids are
  // unique per commit, so each appears once).
  for (std::size_t i = 0; i < commit.queries.size(); ++i) {
    const QueryUpdate& q = commit.queries[i];
    if (i > 0) out += ',';
    out += '"';
    out += std::to_string(q.query);
    out += "\":{\"ids\":";
    appendIds(out, q.ids);
    out += ",\"total\":";
    out += std::to_string(q.total);
    out += '}';
  }
  out += '}';
  if (!commit.renamed.empty()) {
    out += ",\"renamed\":{";
    bool firstCollection = true;
    for (const auto& [collection, renames] : commit.renamed) {
      if (!firstCollection) out += ',';
      firstCollection = false;
      appendString(out, collection);
      out += ":{";
      bool firstRename = true;
      for (const auto& [from, to] : renames) {
        if (!firstRename) out += ',';
        firstRename = false;
        appendString(out, from);
        out += ':';
        appendString(out, to);
      }
      out += '}';
    }
    out += '}';
  }
  // [collection, id, view] triples, not an object keyed by id: JSON.parse gives every new key its
  // own hidden class, and ids are as many as the entities (W2 lost 18 % to that).
  if (!commit.views.empty()) {
    out += ",\"viewList\":[";
    bool first = true;
    for (const auto& [collection, views] : commit.views) {
      for (const auto& [id, view] : views) {
        if (!first) out += ',';
        first = false;
        out += '[';
        appendString(out, collection);
        out += ',';
        appendString(out, id);
        out += ',';
        appendJson(out, *view);
        out += ']';
      }
    }
    out += ']';
  }
  out += '}';
}

namespace {

// The one entity a plain local write changed, and how (0 created, 1 updated, 2 deleted).
bool onlyChange(const Commit& commit, const std::string*& collection, const std::string*& id, int& how) {
  collection = id = nullptr;
  for (const auto& [name, c] : commit.changes.collections) {
    if (c.empty()) continue;
    if (collection != nullptr || c.created.size() + c.updated.size() + c.deleted.size() != 1) return false;
    collection = &name;
    how = !c.created.empty() ? 0 : !c.updated.empty() ? 1 : 2;
    id = how == 0 ? &c.created[0] : how == 1 ? &c.updated[0] : &c.deleted[0];
  }
  return collection != nullptr;
}

// The queued event's fields are exactly {collection, id, mutationId} with these values (an
// object's keys are sorted: one pass, no lookups).
bool queuedNames(const json& fields, const std::string& collection, const std::string& id, const std::string& mutationId) {
  if (!fields.is_object() || fields.size() != 3) return false;
  const std::string* want[] = {&collection, &id, &mutationId};
  static const std::string names[] = {"collection", "id", "mutationId"};
  std::size_t i = 0;
  for (const auto& [key, value] : fields.get_ref<const json::object_t&>()) {
    if (key != names[i] || !value.is_string() || value.get_ref<const std::string&>() != *want[i]) return false;
    ++i;
  }
  return true;
}

}  // namespace

bool plainLocalWrite(const Commit& commit, const std::string& mutationId, const std::string*& collection,
                     const std::string*& id, int& how) {
  if (mutationId.empty() || !commit.queries.empty() || !commit.renamed.empty() || !commit.views.empty() ||
      commit.events.size() != 1 || !onlyChange(commit, collection, id, how))
    return false;
  const Event& queued = commit.events[0];
  if (queued.type != EventType::Queued) return false;
  if (queued.queued)
    return queued.queued->collection == *collection && queued.queued->id == *id && queued.queued->mutationId == mutationId;
  return queuedNames(queued.fields, *collection, *id, mutationId);
}

void appendEffectsText(std::string& out, const std::vector<Effect>& effects) {
  out += '[';
  for (std::size_t i = 0; i < effects.size(); ++i) {
    if (i > 0) out += ',';
    appendTyped(out, effectKindName(effects[i].kind), effects[i].fields);
  }
  out += ']';
}

bool appendLocalWriteText(std::string& out, const Commit& commit, const std::string& mutationId, bool viewFromRequest) {
  const std::string* collection = nullptr;
  const std::string* id = nullptr;
  int how = 0;
  if (!plainLocalWrite(commit, mutationId, collection, id, how)) return false;
  out += viewFromRequest ? "[1," : "[0,";
  appendString(out, *collection);
  out += ',';
  out += static_cast<char>('0' + how);
  out += ',';
  appendString(out, *id);
  out += ',';
  appendString(out, mutationId);
  // Numbers straight into the answer (std::to_string made a string of each first).
  for (std::int64_t n : {commit.cursor, static_cast<std::int64_t>(commit.counts.pending),
                         static_cast<std::int64_t>(commit.counts.deadLetters), static_cast<std::int64_t>(commit.counts.conflicts),
                         static_cast<std::int64_t>(commit.counts.setAside)}) {
    out += ',';
    appendDecimal(out, n);
  }
  out += commit.counts.resyncing ? ",1,[" : ",0,[";
  for (std::size_t i = 0; i < commit.notify.size(); ++i) {
    if (i > 0) out += ',';
    appendDecimal(out, commit.notify[i]);
  }
  out += ']';
  if (!commit.effects.empty()) {
    out += ',';
    appendEffectsText(out, commit.effects);
  }
  out += ']';
  return true;
}

}  // namespace syncore
