#include "wire/commit_text.hpp"

namespace syncore {

namespace {

// JSON string escaping. Ids and names come from parsed JSON (valid UTF-8), so bytes >= 0x80 pass
// through; control characters are escaped as the JSON grammar requires.
void appendString(std::string& out, const std::string& s) {
  static const char* const kHex = "0123456789abcdef";
  out += '"';
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (ch < 0x20) {
          out += "\\u00";
          out += kHex[ch >> 4];
          out += kHex[ch & 0xF];
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  out += '"';
}

void appendIds(std::string& out, const std::vector<std::string>& ids) {
  out += '[';
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    appendString(out, ids[i]);
  }
  out += ']';
}

void appendValues(std::string& out, const std::vector<json>& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += dumpJson(values[i]);
  }
  out += ']';
}

}  // namespace

std::string commitToText(const Commit& commit, const std::string& mutationId) {
  std::string out;
  out.reserve(160);
  out += "{\"changes\":{";
  bool first = true;
  for (const auto& [name, c] : commit.changes.collections) {
    if (c.empty()) continue;
    if (!first) out += ',';
    first = false;
    appendString(out, name);
    out += ":{\"created\":";
    appendIds(out, c.created);
    out += ",\"deleted\":";
    appendIds(out, c.deleted);
    out += ",\"updated\":";
    appendIds(out, c.updated);
    out += '}';
  }
  out += "},\"cursor\":";
  out += std::to_string(commit.cursor);
  if (!commit.effects.empty()) {
    out += ",\"effects\":";
    appendValues(out, commit.effects);
  }
  if (!commit.events.empty()) {
    out += ",\"events\":";
    appendValues(out, commit.events);
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
  out += '}';
  return out;
}

}  // namespace syncore
