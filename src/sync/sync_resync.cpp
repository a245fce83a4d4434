// Full resync: the server's database is not the one our cursor points into (another epoch, a
// cursor behind ours) or our cursor is older than its compaction horizon. Its catch-up from 0
// replaces the confirmed state: versions are the server's word even when lower, entities it did
// not bring are gone, and the cursor is the server's even when lower. The pending log stays and
// is rebased on the new confirmed state by the usual rules (sync_rebase.cpp).
#include "sync/sync_core.hpp"
#include "sync/sync_internal.hpp"

namespace syncore {

WriteResult SyncCore::writeConfirmed(Collection* c, const std::string& id, std::int64_t version, json* data) {
  return writeConfirmed(c, c->slot(id), version, data);
}

WriteResult SyncCore::writeConfirmed(Collection* c, const Collection::Slot& slot, std::int64_t version, json* data) {
  if (!resyncing_) return data != nullptr ? c->upsertAt(slot, version, std::move(*data)) : c->removeAt(slot, version);
  resyncSeen_.insert({c->name(), *slot.id});
  return c->overwriteAt(slot, version, data);
}

WriteResult SyncCore::writeConfirmed(Collection* c, const Collection::Slot& slot, std::int64_t version,
                                     EntityText&& text) {
  if (!resyncing_) return c->upsertTextAt(slot, version, std::move(text));
  resyncSeen_.insert({c->name(), *slot.id});
  return c->overwriteTextAt(slot, version, std::move(text));
}

Status SyncCore::beginResync(std::int64_t nowMs, Commit& out) {
  if (restoring_) return Status::error(ErrorCode::InvalidArgument, "a restore is under way");
  beginCommit(nowMs);
  // Begun again (a reset while one runs, a restart mid-way): what an earlier attempt brought
  // counts for nothing, the server starts over from 0 as well.
  resyncing_ = true;
  resyncSeen_.clear();
  markMeta();  // persisted: a restart before the finish resyncs again
  finishCommit(out);
  return Status::ok();
}

Status SyncCore::finishResync(std::int64_t cursor, const std::string& epoch, std::int64_t nowMs, Commit& out) {
  if (!resyncing_) return Status::error(ErrorCode::InvalidArgument, "no full resync under way: call beginResync first");
  if (cursor < 0) return Status::error(ErrorCode::WrongType, "cursor must be a non-negative integer");
  beginCommit(nowMs);
  // Removed as the server's own deletes would be, made now: a pending edit of a removed entity
  // meets the same rules as one meeting a remote delete (a conflict, or a re-create when the
  // local side wins).
  const HlcTimestamp removedAt{lastNow_, 0, std::string()};
  for (auto& [name, collection] : collections_) {
    Collection* c = &collection;
    std::vector<std::string> gone;
    c->forEachEntity([&](const std::string& id, const Entity&) {
      if (resyncSeen_.count({c->name(), id}) == 0) gone.push_back(id);
    });
    for (const std::string& id : gone) {
      const bool overlaid = c->hasOverlay(id);
      touch(c, id, overlaid);
      c->erase(id);  // tombstones too: an old database's versions must not outvote the new one's
      markEntity(c->name(), id);
      if (overlaid) rebase(c, id, removedAt, out);
    }
  }
  resyncSeen_.clear();
  resyncing_ = false;
  cursor_ = cursor;
  epoch_ = epoch;
  markMeta();
  out.events.push_back({EventType::Resynced, {{"cursor", cursor_}, {"epoch", epoch_}}});
  finishCommit(out);
  return Status::ok();
}

void SyncCore::restoreResyncMeta(const json* meta) {
  epoch_.clear();
  resyncing_ = false;
  if (meta == nullptr || !meta->is_object()) return;  // no epoch known: the next welcome resyncs
  if (auto e = meta->find("epoch"); e != meta->end() && e->is_string()) epoch_ = e->get<std::string>();
  if (auto r = meta->find("resyncing"); r != meta->end() && r->is_boolean()) resyncing_ = r->get<bool>();
}

}  // namespace syncore
