// A server batch decoded straight from its text (issue 15: SAX decoding of server batches): the
// operations' own fields are read one by one into a few scalars, and each entity's data is
// written straight as its canonical text (wire/canonical_text.hpp), the form the store keeps,
// where the tree path (parse, then decodeServerBatch) builds a map node per field of every
// operation and entity, looks each one up again, and writes the entity's text from its tree (an
// entity the canonical writer leaves to the tree, a repeated key say, is parsed as before).
// It accepts exactly what the tree path accepts and decodes it to the same writes; for anything
// else (bad JSON, a refused operation, or an op it leaves to the tree path: load, rename, reject,
// conflict) it answers false and the caller takes the tree path, whose errors stay the reference.
#include <algorithm>
#include <cstring>
#include <deque>

#include "store/stored_json.hpp"
#include "sync/hlc.hpp"
#include "wire/canonical_text.hpp"
#include "wire/json_reader.hpp"
#include "wire/server_batch.hpp"

namespace syncore {

namespace {

// key == word, without strlen and compare(const char*) on every field of every op.
template <std::size_t N>
bool is(const std::string& key, const char (&word)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), word, N - 1) == 0;
}

// The fields of one operation that the writes read; absent ones stay unset.
struct OpFields {
  json op, collection, id, version, origin, key;
  bool hasOp = false, hasCollection = false, hasId = false, hasVersion = false, hasOrigin = false, hasKey = false;
  json* data = nullptr;  // in ServerBatch::values: the writes point at it
  bool hasText = false;  // the data was written as canonical text (BatchTextReader::text_)
  std::string_view watchedKey;  // the data member the canonical writer located (the id field)
  json* ts = nullptr;
};

class BatchTextReader {
 public:
  BatchTextReader(std::string_view text, const CollectionLookup& lookup, const ParseLimits& limits, ServerBatch& out)
      : r_(text, limits.forText().maxDepth), lookup_(lookup), limits_(limits), out_(out), canonical_(r_, limits.maxDepth) {}

  bool read() {
    r_.skipSpace();
    if (r_.atEnd()) return false;
    if (r_.peek() == '[') {
      if (!readOps(1)) return false;
    } else if (r_.eat('{')) {
      bool haveOps = false;
      json cursor;
      if (!r_.eat('}')) {
        for (;;) {
          std::string key;
          if (!readKey(key)) return false;
          if (is(key, "ops")) {
            if (haveOps) return false;  // a repeated key: the tree path knows which one wins
            if (!readOps(2)) return false;
            haveOps = true;
          } else {
            json& slot = is(key, "cursor") ? cursor : scratch_;
            slot = json();
            if (!r_.parseValue(slot, 1)) return false;
          }
          if (r_.eat(',')) continue;
          if (r_.eat('}')) break;
          return false;
        }
      }
      if (!haveOps) return false;
      if (!cursor.is_null()) {
        if (!int64FromJson(cursor, out_.cursor) || out_.cursor < 0) return false;
        out_.hasCursor = true;
      }
    } else {
      return false;
    }
    r_.skipSpace();
    return r_.atEnd();
  }

 private:
  JsonReader r_;
  const CollectionLookup& lookup_;
  const ParseLimits& limits_;
  ServerBatch& out_;
  CanonicalWriter canonical_;
  std::string text_;  // the current op's data as canonical text, when hasText
  std::string member_;  // an id member being added to text_
  json scratch_;  // values of fields no write reads
  std::string lastName_;
  Collection* lastCollection_ = nullptr;

  bool readKey(std::string& key) {
    r_.skipSpace();
    if (r_.atEnd() || r_.peek() != '"' || !r_.parseString(key)) return false;
    return r_.eat(':') && (r_.skipSpace(), true);
  }

  // The ops array, itself at nesting depth `depth`.
  bool readOps(int depth) {
    if (depth > r_.maxDepth() || !r_.eat('[')) return false;
    if (r_.eat(']')) return true;
    for (;;) {
      r_.skipSpace();
      if (!readOp(depth + 1)) return false;
      if (r_.eat(',')) continue;
      return r_.eat(']');
    }
  }

  json* value() { return &out_.values.emplace_back(); }

  bool readOp(int depth) {
    if (depth > r_.maxDepth() || !r_.eat('{')) return false;
    OpFields f;
    if (!r_.eat('}')) {
      for (;;) {
        std::string key;
        if (!readKey(key)) return false;
        json* slot = &scratch_;
        if (is(key, "op")) slot = &f.op, f.hasOp = true;
        else if (is(key, "collection")) slot = &f.collection, f.hasCollection = true;
        else if (is(key, "id")) slot = &f.id, f.hasId = true;
        else if (is(key, "version")) slot = &f.version, f.hasVersion = true;
        else if (is(key, "origin")) slot = &f.origin, f.hasOrigin = true;
        else if (is(key, "key")) slot = &f.key, f.hasKey = true;
        else if (is(key, "data")) {  // (repeated: the last one wins, as in the tree)
          f.hasText = false;
          if (dataText(f)) {
            f.data = nullptr;
            if (r_.eat(',')) continue;
            if (r_.eat('}')) break;
            return false;
          }
          slot = f.data != nullptr ? f.data : (f.data = value());
        }
        else if (is(key, "ts")) slot = f.ts != nullptr ? f.ts : (f.ts = value());
        *slot = json();  // a repeated key: the last value wins, as in the tree
        if (!r_.parseValue(*slot, depth)) return false;
        if (r_.eat(',')) continue;
        if (r_.eat('}')) break;
        return false;
      }
    }
    return decode(f);
  }

  // The op's data written as canonical text into text_; false (the reader back where it was)
  // when the writer leaves it to the tree. The member it locates is the id field of the op's
  // collection when the op named it before its data (as most do), else "id".
  bool dataText(OpFields& f) {
    if (r_.atEnd() || r_.peek() != '{') return false;
    Collection* c = f.hasCollection && f.collection.is_string()
                        ? collection(f.collection.get_ref<const std::string&>())
                        : nullptr;
    f.watchedKey = c != nullptr ? std::string_view(c->options().idField) : std::string_view("id");
    const char* start = r_.position();
    text_.clear();
    if (canonical_.object(f.watchedKey, text_)) return f.hasText = true;
    r_.rewind(start);
    return false;
  }

  // An op's text data as a tree (an ack's, or an upsert whose id field the writer did not locate).
  void dataTree(OpFields& f) {
    f.data = value();
    *f.data = treeFromStored(text_);
    f.hasText = false;
  }

  Collection* collection(const std::string& name) {
    if (lastCollection_ == nullptr || name != lastName_) {
      lastCollection_ = lookup_(name);
      lastName_ = name;
    }
    return lastCollection_;
  }

  static bool present(const json* v) { return v != nullptr && !v->is_null(); }

  bool version(const OpFields& f, ServerWrite& w) const {
    return f.hasVersion && int64FromJson(f.version, w.version) && w.version >= 0;
  }

  bool timestamp(const OpFields& f, ServerWrite& w) const {
    if (!present(f.ts)) return true;
    HlcTimestamp parsed;
    if (!hlcFromJson(*f.ts, parsed)) return false;
    w.ts = f.ts;
    return true;
  }

  // server_batch.cpp's readId: the op's id or the entity's id field, equal when both are there.
  // dataId: the entity's id field, null when it has none.
  bool id(const OpFields& f, const json* dataId, std::string& out) const {
    std::string fromOp, fromData;
    const bool haveOp = f.hasId;
    if (haveOp && !idFromJson(f.id, fromOp)) return false;
    bool haveData = false;
    if (dataId != nullptr) {
      if (!idFromJson(*dataId, fromData)) return false;
      haveData = true;
    }
    if ((haveOp && haveData && fromOp != fromData) || (!haveOp && !haveData)) return false;
    out = haveOp ? std::move(fromOp) : std::move(fromData);
    return true;
  }

  // The entity text with the id field it lacked (as the tree path's (*data)[idField] = id), in
  // its place among the sorted keys; a json::string_t's footprint added to the estimate.
  void entityWithId(const std::string& idField, ServerWrite& w) {
    member_.clear();
    appendJsonString(member_, idField);
    member_ += ':';
    appendJsonString(member_, w.id);
    const std::size_t at = canonical_.insertAt();
    std::string& t = w.canonical.text;
    t.reserve(text_.size() + member_.size() + 1);
    t.append(text_, 0, at);
    if (canonical_.memberAfter()) {
      t += member_;
      t += ',';
    } else {
      if (canonical_.memberBefore()) t += ',';
      t += member_;
    }
    t.append(text_, at, std::string::npos);
    w.canonical.bytes += 48 + sizeof(std::string) + CanonicalWriter::stringCapacity(idField.size()) + sizeof(json) +
                         sizeof(std::string) + CanonicalWriter::stringCapacity(w.id.size());
  }

  bool decode(OpFields& f) {
    if (!f.hasOp || !f.op.is_string()) return false;
    const std::string& kind = f.op.get_ref<const std::string&>();
    ServerWrite w;
    if (kind == "ack") {  // readAnswer
      if (!f.hasKey || !f.key.is_string() || f.key.get_ref<const std::string&>().empty()) return false;
      w.kind = ServerWrite::Kind::Ack;
      w.key = std::move(f.key.get_ref<std::string&>());
      if (f.hasVersion && !f.version.is_null() && !version(f, w)) return false;
      if (f.hasText) dataTree(f);  // an ack folds its data as a tree (sync_answers.cpp)
      if (present(f.data)) {
        if (!f.data->is_object() || !checkDataDepth(*f.data, limits_, "data")) return false;
        w.data = f.data;
      }
      if (f.hasId && !f.id.is_null() && !idFromJson(f.id, w.id)) return false;
      if (!timestamp(f, w)) return false;
      out_.writes.push_back(std::move(w));
      return true;
    }
    if (kind != "upsert" && kind != "delete") return false;  // the tree path's
    if (!f.hasCollection || !f.collection.is_string()) return false;
    Collection* c = collection(f.collection.get_ref<const std::string&>());
    if (c == nullptr) return false;
    const std::string& idField = c->options().idField;
    w.collection = c;
    if (kind == "upsert" && f.hasText && f.watchedKey != idField) dataTree(f);
    if (kind == "upsert" && f.hasText) {  // readEntity, the entity as canonical text
      std::string_view idText;
      json dataId;
      const bool haveDataId = canonical_.watched(idText);
      if (haveDataId) {
        JsonReader idReader(idText, limits_.forText().maxDepth);
        if (!idReader.parseDocument(dataId)) return false;
      }
      if (!version(f, w) || !id(f, haveDataId ? &dataId : nullptr, w.id)) return false;
      w.kind = ServerWrite::Kind::Upsert;
      w.canonical.bytes = canonical_.approxBytes();
      if (haveDataId) {
        w.canonical.text = std::string(text_);  // a string of exactly its size, as storedText's
      } else {
        entityWithId(idField, w);
      }
    } else if (kind == "upsert") {  // readEntity
      if (f.data == nullptr || !f.data->is_object() || !checkDataDepth(*f.data, limits_, "data")) return false;
      const auto dataId = f.data->find(idField);
      if (!version(f, w) || !id(f, dataId != f.data->end() ? &*dataId : nullptr, w.id)) return false;
      w.kind = ServerWrite::Kind::Upsert;
      w.data = f.data;
      if (!f.data->contains(idField)) (*f.data)[idField] = w.id;
    } else {
      w.kind = ServerWrite::Kind::Delete;
      if (!version(f, w) || !id(f, nullptr, w.id)) return false;
    }
    // readOrigin
    if (f.hasOrigin && !f.origin.is_null()) {
      if (!f.origin.is_string()) return false;
      w.key = std::move(f.origin.get_ref<std::string&>());
    }
    if (!timestamp(f, w)) return false;
    out_.writes.push_back(std::move(w));
    return true;
  }
};

}  // namespace

bool decodeServerBatchText(std::string_view text, const CollectionLookup& lookup, const ParseLimits& limits,
                           ServerBatch& out) {
  if (text.size() > limits.maxBytes) return false;
  out = ServerBatch{};
  BatchTextReader reader(text, lookup, limits, out);
  if (reader.read()) return true;
  out = ServerBatch{};
  return false;
}

}  // namespace syncore
