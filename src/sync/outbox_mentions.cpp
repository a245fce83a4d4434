// The outbox's index of temp-id mentions: which queued entries hold a temp id as a string value,
// so that the ack that renames it visits those entries only (issue 12, item 13: a full scan per
// ack made N offline creates cost N² payload copies). Kept exact as payloads are added, changed
// and removed (insertEntry, takeOut, coalescing, replacePayload). The same index holds back an
// entry naming a temp id whose create has not been acknowledged yet (awaitsTempCreate).
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
  // The root's own values first, without the stack: a flat patch or entity (the usual payload,
  // once per write) allocates none. The order fn sees them in does not matter to its callers.
  std::vector<const json*> stack;
  for (const json& child : value) {
    if (child.is_structured()) stack.push_back(&child);
    else if (child.is_string() && isTempId(child.get_ref<const std::string&>())) fn(child.get_ref<const std::string&>());
  }
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
  std::vector<std::string>* named = nullptr;
  forEachTempId(entry.payload, [&](const std::string& id) {
    if (!mentions_[id].insert(entry.seq).second) return;  // named twice: once is enough
    if (named == nullptr) named = &mentionedBy_[entry.seq];
    named->push_back(id);
  });
}

void Outbox::unindexMentions(const OutboxEntry& entry) {
  auto named = mentionedBy_.find(entry.seq);
  if (named == mentionedBy_.end()) return;
  for (const std::string& id : named->second) {
    auto it = mentions_.find(id);
    if (it == mentions_.end()) continue;
    it->second.erase(entry.seq);
    if (it->second.empty()) mentions_.erase(it);
  }
  mentionedBy_.erase(named);
}

void Outbox::trackCreate(const OutboxEntry& entry) {
  if (entry.kind == MutationKind::Create && isTempId(entry.entityId)) tempCreates_[entry.entityId].insert(entry.seq);
}

void Outbox::untrackCreate(const OutboxEntry& entry) {
  if (entry.kind != MutationKind::Create) return;
  auto it = tempCreates_.find(entry.entityId);
  if (it == tempCreates_.end()) return;
  it->second.erase(entry.seq);
  if (it->second.empty()) tempCreates_.erase(it);
}

bool Outbox::awaitsTempCreate(const OutboxEntry& entry) const {
  if (entry.sent || tempCreates_.empty()) return false;
  auto named = mentionedBy_.find(entry.seq);
  if (named == mentionedBy_.end()) return false;
  for (const std::string& id : named->second) {
    if (id == entry.entityId) continue;  // itself: per-entity order already holds
    auto create = tempCreates_.find(id);
    if (create != tempCreates_.end() && *create->second.begin() < entry.seq) return true;
  }
  return false;
}

bool Outbox::namesLaterCreate(const OutboxEntry& into, const json& patch) const {
  if (tempCreates_.empty()) return false;
  bool later = false;
  forEachTempId(patch, [&](const std::string& id) {
    if (later || id == into.entityId) return;
    auto create = tempCreates_.find(id);
    later = create != tempCreates_.end() && *create->second.rbegin() > into.seq;
  });
  return later;
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
