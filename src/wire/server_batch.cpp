#include "wire/server_batch.hpp"

#include "sync/hlc.hpp"

namespace syncore {

namespace {

Status fail(ErrorCode code, std::size_t index, const std::string& what) {
  return Status::error(code, "operation " + std::to_string(index) + ": " + what);
}

// Reads the id from the operation or, failing that, from the entity's id field; both present
// must agree.
Status readId(const json& holder, const json* data, const std::string& idField, std::size_t index,
              std::string& out) {
  std::string fromOp;
  std::string fromData;
  bool haveOp = false;
  bool haveData = false;
  if (auto it = holder.find("id"); it != holder.end()) {
    if (!idFromJson(*it, fromOp))
      return fail(ErrorCode::WrongType, index, "id must be a non-empty string or an integer");
    haveOp = true;
  }
  if (data != nullptr) {
    if (auto it = data->find(idField); it != data->end()) {
      if (!idFromJson(*it, fromData))
        return fail(ErrorCode::WrongType, index,
                    "entity field '" + idField + "' must be a non-empty string or an integer");
      haveData = true;
    }
  }
  if (haveOp && haveData && fromOp != fromData)
    return fail(ErrorCode::IdMismatch, index,
                "id '" + fromOp + "' differs from entity field '" + idField + "' = '" + fromData + "'");
  if (!haveOp && !haveData) return fail(ErrorCode::MissingId, index, "no id");
  out = haveOp ? fromOp : fromData;
  return Status::ok();
}

Status readVersion(const json& holder, std::size_t index, std::int64_t& out) {
  auto it = holder.find("version");
  if (it == holder.end()) return fail(ErrorCode::InvalidArgument, index, "version is required");
  if (!int64FromJson(*it, out) || out < 0)
    return fail(ErrorCode::WrongType, index, "version must be a non-negative integer");
  return Status::ok();
}

Status readEntity(json& holder, Collection* c, const ParseLimits& limits, std::size_t index, ServerWrite& w) {
  auto data = holder.find("data");
  if (data == holder.end() || !data->is_object())
    return fail(ErrorCode::WrongType, index, "data must be an object");
  if (Status s = checkDataDepth(*data, limits, "data"); !s) return fail(s.code, index, s.message);
  if (Status s = readVersion(holder, index, w.version); !s) return s;
  if (Status s = readId(holder, &*data, c->options().idField, index, w.id); !s) return s;
  w.kind = ServerWrite::Kind::Upsert;
  w.collection = c;
  w.data = &*data;
  // An entity always carries its id, so readers of a list can key rows without a side channel.
  if (!data->contains(c->options().idField)) (*data)[c->options().idField] = w.id;
  return Status::ok();
}

Status readOrigin(const json& op, std::size_t index, ServerWrite& w) {
  if (auto it = op.find("origin"); it != op.end() && !it->is_null()) {
    if (!it->is_string()) return fail(ErrorCode::WrongType, index, "origin must be a string");
    w.key = it->get_ref<const std::string&>();
  }
  if (auto it = op.find("ts"); it != op.end() && !it->is_null()) {
    HlcTimestamp ts;
    if (!hlcFromJson(*it, ts)) return fail(ErrorCode::WrongType, index, "ts must be an HLC timestamp");
    w.ts = &*it;
  }
  return Status::ok();
}

// ack / reject / conflict: the server's answer to one pushed mutation, named by its key.
Status readAnswer(json& op, const std::string& kind, const ParseLimits& limits, std::size_t index,
                  ServerWrite& w) {
  auto key = op.find("key");
  if (key == op.end() || !key->is_string() || key->get_ref<const std::string&>().empty())
    return fail(ErrorCode::WrongType, index, "key must be a non-empty string");
  w.key = key->get_ref<const std::string&>();
  if (kind == "reject") {
    w.kind = ServerWrite::Kind::Reject;
    auto cls = op.find("class");
    if (cls == op.end() || !cls->is_string() ||
        !errorClassFromName(cls->get_ref<const std::string&>(), w.errorClass))
      return fail(ErrorCode::WrongType, index,
                  "class must be transient, auth, validation, conflict, storage or forbidden");
    if (auto m = op.find("message"); m != op.end() && !m->is_null()) {
      if (!m->is_string()) return fail(ErrorCode::WrongType, index, "message must be a string");
      w.message = m->get_ref<const std::string&>();
    }
    return Status::ok();
  }
  w.kind = kind == "ack" ? ServerWrite::Kind::Ack : ServerWrite::Kind::Conflict;
  if (auto v = op.find("version"); v != op.end() && !v->is_null()) {
    if (!int64FromJson(*v, w.version) || w.version < 0)
      return fail(ErrorCode::WrongType, index, "version must be a non-negative integer");
  } else if (w.kind == ServerWrite::Kind::Conflict) {
    return fail(ErrorCode::InvalidArgument, index, "a conflict carries the server's version");
  }
  if (auto d = op.find("data"); d != op.end() && !d->is_null()) {
    if (!d->is_object()) return fail(ErrorCode::WrongType, index, "data must be an object or null");
    if (Status s = checkDataDepth(*d, limits, "data"); !s) return fail(s.code, index, s.message);
    w.data = &*d;
  }
  if (auto id = op.find("id"); id != op.end() && !id->is_null()) {
    if (!idFromJson(*id, w.id))
      return fail(ErrorCode::WrongType, index, "id must be a non-empty string or an integer");
  }
  if (auto ts = op.find("ts"); ts != op.end() && !ts->is_null()) {
    HlcTimestamp parsed;
    if (!hlcFromJson(*ts, parsed)) return fail(ErrorCode::WrongType, index, "ts must be an HLC timestamp");
    w.ts = &*ts;
  }
  return Status::ok();
}

}  // namespace

Status decodeServerBatch(json& batch, const CollectionLookup& lookup, const ParseLimits& limits,
                         ServerBatch& out) {
  json* ops = &batch;
  if (batch.is_object()) {
    auto it = batch.find("ops");
    if (it == batch.end() || !it->is_array())
      return Status::error(ErrorCode::WrongType, "batch.ops must be an array");
    ops = &*it;
    if (auto c = batch.find("cursor"); c != batch.end() && !c->is_null()) {
      if (!int64FromJson(*c, out.cursor) || out.cursor < 0)
        return Status::error(ErrorCode::WrongType, "batch.cursor must be a non-negative integer");
      out.hasCursor = true;
    }
  } else if (!batch.is_array()) {
    return Status::error(ErrorCode::WrongType, "a batch is an array of operations or {ops, cursor}");
  }

  out.writes.reserve(ops->size());
  for (std::size_t i = 0; i < ops->size(); ++i) {
    json& op = (*ops)[i];
    if (!op.is_object()) return fail(ErrorCode::WrongType, i, "must be an object");
    auto name = op.find("op");
    if (name == op.end() || !name->is_string())
      return fail(ErrorCode::UnknownOp, i, "op must be a string");
    if (const auto& answer = name->get_ref<const std::string&>();
        answer == "ack" || answer == "reject" || answer == "conflict") {
      ServerWrite w;
      if (Status s = readAnswer(op, answer, limits, i, w); !s) return s;
      out.writes.push_back(std::move(w));
      continue;
    }
    auto col = op.find("collection");
    if (col == op.end() || !col->is_string())
      return fail(ErrorCode::WrongType, i, "collection must be a string");
    const auto& colName = col->get_ref<const std::string&>();
    Collection* c = lookup(colName);
    if (c == nullptr) return fail(ErrorCode::UnknownCollection, i, "unknown collection '" + colName + "'");
    const auto& kind = name->get_ref<const std::string&>();

    if (kind == "upsert") {
      ServerWrite w;
      if (Status s = readEntity(op, c, limits, i, w); !s) return s;
      if (Status s = readOrigin(op, i, w); !s) return s;
      out.writes.push_back(std::move(w));
    } else if (kind == "delete") {
      ServerWrite w;
      w.kind = ServerWrite::Kind::Delete;
      w.collection = c;
      if (Status s = readVersion(op, i, w.version); !s) return s;
      if (Status s = readId(op, nullptr, c->options().idField, i, w.id); !s) return s;
      if (Status s = readOrigin(op, i, w); !s) return s;
      out.writes.push_back(std::move(w));
    } else if (kind == "rename") {
      // The server gave an entity we hold under a temporary id its own id (a follower tab learns
      // it from its leader after the leader acknowledged the create: js/tabs/).
      ServerWrite w;
      w.kind = ServerWrite::Kind::Rename;
      w.collection = c;
      auto from = op.find("from");
      auto to = op.find("to");
      if (from == op.end() || !idFromJson(*from, w.id))
        return fail(ErrorCode::WrongType, i, "from must be a non-empty string or an integer");
      if (to == op.end() || !idFromJson(*to, w.to))
        return fail(ErrorCode::WrongType, i, "to must be a non-empty string or an integer");
      out.writes.push_back(std::move(w));
    } else if (kind == "load") {
      auto entities = op.find("entities");
      if (entities == op.end() || !entities->is_array())
        return fail(ErrorCode::WrongType, i, "entities must be an array");
      out.writes.reserve(out.writes.size() + entities->size());
      for (std::size_t k = 0; k < entities->size(); ++k) {
        json& item = (*entities)[k];
        if (!item.is_object())
          return fail(ErrorCode::WrongType, i, "entities[" + std::to_string(k) + "] must be an object");
        ServerWrite w;
        if (Status s = readEntity(item, c, limits, i, w); !s) {
          s.message += " (entities[" + std::to_string(k) + "])";
          return s;
        }
        out.writes.push_back(std::move(w));
      }
    } else {
      return fail(ErrorCode::UnknownOp, i, "unknown op '" + kind + "'");
    }
  }
  return Status::ok();
}

}  // namespace syncore
