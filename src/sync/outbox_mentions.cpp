// The outbox's index of temp-id mentions: which queued entries hold a temp id as a string value,
// so that the ack that renames it visits those entries only (issue 12, item 13: a full scan per
// ack made N offline creates cost N² payload copies). Kept exact as payloads are added, changed
// and removed (insertEntry, takeOut, coalescing, replacePayload).
#include <vector>

#include "sync/outbox.hpp"

namespace syncore {

namespace {

// The ids a server may replace with its own (docs/protocol.md: `tmp-…`): the only strings whose
// mentions are indexed.
bool isTempId(const std::string& s) { return s.size() > 4 && s.compare(0, 4, "tmp-") == 0; }

// Calls fn for every string value (not key) in value that is a temp id; iterative, no recursion.
template <typename Fn>
void forEachTempId(const json& value, Fn&& fn) {
  if (!value.is_structured()) {
    if (value.is_string() && isTempId(value.get_ref<const std::string&>())) fn(value.get_ref<const std::string&>());
    return;
  }
  std::vector<const json*> stack{&value};
  while (!stack.empty()) {
    const json* v = stack.back();
    stack.pop_back();
    if (v->is_structured()) {
      for (const json& child : *v) stack.push_back(&child);
    } else if (v->is_string() && isTempId(v->get_ref<const std::string&>())) {
      fn(v->get_ref<const std::string&>());
    }
  }
}

}  // namespace

void Outbox::indexMentions(const OutboxEntry& entry) {
  forEachTempId(entry.payload, [&](const std::string& id) { mentions_[id].insert(entry.seq); });
}

void Outbox::unindexMentions(const OutboxEntry& entry) {
  forEachTempId(entry.payload, [&](const std::string& id) {
    auto it = mentions_.find(id);
    if (it == mentions_.end()) return;
    it->second.erase(entry.seq);
    if (it->second.empty()) mentions_.erase(it);
  });
}

std::vector<std::uint64_t> Outbox::entriesMentioning(const std::string& value) const {
  std::vector<std::uint64_t> seqs;
  if (!isTempId(value)) {
    seqs.reserve(log_.size());
    for (const auto& [seq, entry] : log_) seqs.push_back(seq);
    return seqs;
  }
  auto it = mentions_.find(value);
  if (it != mentions_.end()) seqs.assign(it->second.begin(), it->second.end());
  return seqs;
}

}  // namespace syncore
