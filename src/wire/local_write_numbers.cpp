#include "wire/local_write_numbers.hpp"

#include "base/json_util.hpp"
#include "wire/commit_text.hpp"

namespace syncore {

namespace {

// n of a mutation id "<clientId>#<n>" (mutate makes them so); false for anything else.
bool mutationNumber(const std::string& mutationId, const std::string& clientId, double& out) {
  const std::size_t digits = clientId.size() + 1;
  if (mutationId.size() <= digits || mutationId.size() - digits > 15 || mutationId.compare(0, clientId.size(), clientId) != 0 ||
      mutationId[clientId.size()] != '#')
    return false;
  std::uint64_t n = 0;
  for (std::size_t i = digits; i < mutationId.size(); ++i) {
    const char c = mutationId[i];
    if (c < '0' || c > '9' || (c == '0' && i == digits && mutationId.size() > digits + 1)) return false;  // as to_string writes it
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = static_cast<double>(n);  // at most 15 digits: exact
  return true;
}

}  // namespace

bool writeLocalWriteNumbers(std::vector<double>& numbers, std::string& text, const Commit& commit,
                            const std::string& mutationId, bool viewFromRequest, std::string_view requestId,
                            const std::string& clientId, std::string& sentClientId) {
  const std::string* collection = nullptr;
  const std::string* id = nullptr;
  int how = 0;
  double number = 0;
  if (!plainLocalWrite(commit, mutationId, collection, id, how) || !mutationNumber(mutationId, clientId, number)) return false;
  const bool idText = requestId.empty() || *id != requestId;
  const bool clientIdText = clientId != sentClientId;
  const bool effectsText = !commit.effects.empty();
  numbers.resize(kNotifyFirst + commit.notify.size());
  numbers[kViewFromRequest] = viewFromRequest ? 1 : 0;
  numbers[kHow] = how;
  numbers[kMutationNumber] = number;
  numbers[kCursor] = static_cast<double>(commit.cursor);
  numbers[kPending] = static_cast<double>(commit.counts.pending);
  numbers[kDeadLetters] = static_cast<double>(commit.counts.deadLetters);
  numbers[kConflicts] = static_cast<double>(commit.counts.conflicts);
  numbers[kSetAside] = static_cast<double>(commit.counts.setAside);
  numbers[kResyncing] = commit.counts.resyncing ? 1 : 0;
  numbers[kTextParts] = (idText ? kIdText : 0) | (clientIdText ? kClientIdText : 0) | (effectsText ? kEffectsText : 0);
  numbers[kNotifyCount] = static_cast<double>(commit.notify.size());
  for (std::size_t i = 0; i < commit.notify.size(); ++i) numbers[kNotifyFirst + i] = commit.notify[i];
  text.clear();
  if (!idText && !clientIdText && !effectsText) return true;
  text += '[';
  if (idText) appendJsonString(text, *id);
  else text += "null";
  text += ',';
  if (clientIdText) appendJsonString(text, clientId);
  else text += "null";
  if (effectsText) {
    text += ',';
    appendEffectsText(text, commit.effects);
  }
  text += ']';
  sentClientId = clientId;
  return true;
}

}  // namespace syncore
