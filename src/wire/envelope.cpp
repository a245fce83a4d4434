#include "wire/envelope.hpp"

#include "wire/commit_text.hpp"

namespace syncore {

std::string envelopeCommit(const Commit& commit, const std::string& mutationId) {
  std::string out;
  out.reserve(192);
  out += "{\"ok\":true,\"commit\":";
  appendCommitText(out, commit, mutationId);
  out += '}';
  return out;
}

std::string envelopeCommitLines(const Commit& commit) {
  std::string out;
  out.reserve(192);
  out += "{\"ok\":true,\"lines\":true,\"commit\":";
  appendCommitText(out, commit, std::string(), ChangeIds::Lines);
  out += '}';
  appendChangeLines(out, commit);
  return out;
}

std::string envelopeValueText(std::string_view valueText) {
  std::string out;
  out.reserve(valueText.size() + 22);
  out += "{\"ok\":true,\"value\":";
  out += valueText;
  out += '}';
  return out;
}

std::string envelopeValue(const json& value) { return envelopeValueText(dumpJson(value)); }

std::string envelopeOk() { return "{\"ok\":true}"; }

std::string envelopeError(const Status& status) {
  std::string out = "{\"ok\":false,\"error\":{\"code\":";
  appendJsonString(out, errorCodeName(status.code));
  out += ",\"message\":";
  appendJsonString(out, status.message);
  if (status.index >= 0) {
    out += ",\"store\":";
    appendJsonString(out, status.store);
    out += ",\"key\":";
    out += status.key.empty() ? std::string("null") : status.key;
    out += ",\"index\":";
    out += std::to_string(status.index);
  }
  out += "}}";
  return out;
}

}  // namespace syncore
