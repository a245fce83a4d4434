// The server's limits, as its `welcome` announces them (docs/protocol.md, Limits), applied by the
// core: pushes are cut to the server's count and byte limits, an entry that alone is over the byte
// limit becomes a dead letter (TooLarge) instead of a batch the server refuses forever, and once
// the limits are known `create` / `update` refuse such a change up front (TOO_LARGE).
#include "base/merge_patch.hpp"
#include "sync/sync_core.hpp"

namespace syncore {

namespace {

// A push frame around its mutations: {"type":"push","batch":4294967295,"mutations":[]} is 51
// bytes. The margin also covers numbers that JS writes longer than this dump does.
std::size_t pushBudget(std::size_t maxMessageBytes) {
  const std::size_t margin = std::max<std::size_t>(1024, maxMessageBytes / 100);
  return maxMessageBytes > margin ? maxMessageBytes - margin : 1;
}

bool readLimit(const json& limits, const char* name, std::size_t& out, Status& status) {
  auto it = limits.find(name);
  if (it == limits.end() || it->is_null()) return false;
  std::int64_t v = 0;
  if (!int64FromJson(*it, v) || v <= 0) {
    if (status) status = Status::error(ErrorCode::WrongType, std::string("server limit ") + name + " must be a positive integer");
    return false;
  }
  out = static_cast<std::size_t>(v);
  return true;
}

}  // namespace

Status SyncCore::setServerLimits(const json& limits, std::int64_t nowMs, Commit& out) {
  if (!limits.is_object()) return Status::error(ErrorCode::WrongType, "server limits must be an object");
  Status status;
  ServerLimits next;
  readLimit(limits, "maxMessageBytes", next.maxMessageBytes, status);
  readLimit(limits, "maxBatchMutations", next.maxBatchMutations, status);
  readLimit(limits, "maxEntityBytes", next.maxEntityBytes, status);
  readLimit(limits, "maxDepth", next.maxDepth, status);
  if (!status) return status;
  beginCommit(nowMs);
  serverLimits_ = next;
  applyServerLimits();
  finishCommit(out);  // sends what the new limits allow; dead-letters what they never will
  return Status::ok();
}

void SyncCore::applyServerLimits() {
  const std::size_t bytes = serverLimits_.maxMessageBytes > 0 ? pushBudget(serverLimits_.maxMessageBytes) : 0;
  outbox_->setBatchLimits(serverLimits_.maxBatchMutations, bytes);
}

namespace {
json wireTs(const OutboxEntry& e) { return e.meta && e.meta->ts ? hlcToJson(*e.meta->ts) : json(nullptr); }
}  // namespace

json SyncCore::wireMutation(const OutboxEntry& e) const {
  return {{"key", e.key}, {"collection", e.collection}, {"id", e.entityId}, {"kind", mutationKindName(e.kind)},
          {"data", e.payload}, {"baseVersion", e.baseVersion},
          {"ts", wireTs(e)}};
}

std::size_t SyncCore::wireBytes(const OutboxEntry& e) const {
  // The mutation without its data, plus `,"data":` and the data: no copy of a large payload.
  json head = {{"key", e.key}, {"collection", e.collection}, {"id", e.entityId}, {"kind", mutationKindName(e.kind)},
               {"baseVersion", e.baseVersion},
               {"ts", wireTs(e)}};
  return dumpJson(head).size() + 8 + dumpJson(e.payload).size();
}

Status SyncCore::checkServerLimits(const Collection& c, const std::string& id, MutationKind kind,
                                   const json& payload) const {
  const std::size_t budget = outbox_->maxBatchBytes();
  const std::size_t maxEntity = serverLimits_.maxEntityBytes;
  if (kind == MutationKind::Delete || (budget == 0 && maxEntity == 0)) return Status::ok();
  const std::size_t payloadBytes = dumpJson(payload).size();
  // key, collection, id, kind, baseVersion and ts around the data: at most this much.
  const std::size_t around = 160 + 2 * clientId_.size() + c.name().size() + id.size();
  if (budget > 0 && payloadBytes + around > budget) {
    return Status::error(ErrorCode::TooLarge, "this change is about " + std::to_string(payloadBytes + around) +
                                                  " bytes; the server takes at most " + std::to_string(budget) +
                                                  " bytes per push");
  }
  if (maxEntity == 0) return Status::ok();
  std::size_t entityBytes = payloadBytes;
  if (kind == MutationKind::Update) {
    const EntityRef view = c.get(id);
    entityBytes = dumpJson(applyMergePatch(view != nullptr ? *view : json(nullptr), payload)).size();
  }
  if (entityBytes > maxEntity) {
    return Status::error(ErrorCode::TooLarge, "the entity would be " + std::to_string(entityBytes) +
                                                  " bytes; the server keeps at most " + std::to_string(maxEntity));
  }
  return Status::ok();
}

// Entries the outbox found too large to ever send: settled as dead letters, their dependents with
// them (an edit of a create that cannot be sent cannot be sent either), the view rolled back.
bool SyncCore::settleTooLarge(Commit& out) {
  const std::vector<DeadLetter> letters = outbox_->takeTooLarge();
  settleDeadLetters(letters, ErrorClass::TooLarge, out);
  return !letters.empty();
}

}  // namespace syncore
