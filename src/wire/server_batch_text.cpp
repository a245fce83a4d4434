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
bool is(std::string_view key, const char (&word)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), word, N - 1) == 0;
}

// One of an op's own fields as the text has it: a string without escapes or a small integer read
// in place (no json value, no copy), null, or anything else as a json tree, read as the tree path
// reads it (idFromJson, int64FromJson) so that both paths take and refuse the same values.
struct OpField {
  enum class Kind : std::uint8_t { Absent, Null, Text, Integer, Tree } kind = Kind::Absent;
  std::string_view text;     // Text: the raw bytes, which are the string itself
  std::int64_t integer = 0;  // Integer
  json tree;                 // Tree

  bool present() const { return kind != Kind::Absent; }
  bool isNull() const { return kind == Kind::Null || (kind == Kind::Tree && tree.is_null()); }
  bool string(std::string_view& out) const {
    if (kind == Kind::Text) return out = text, true;
    if (kind != Kind::Tree || !tree.is_string()) return false;
    out = tree.get_ref<const std::string&>();
    return true;
  }
  // idFromJson's: a non-empty string or an integer; `scratch` holds the text when it is made.
  bool id(std::string& scratch, std::string_view& out) const {
    if (kind == Kind::Text) return out = text, !text.empty();
    if (kind == Kind::Integer) scratch = std::to_string(integer);
    else if (kind != Kind::Tree || !idFromJson(tree, scratch)) return false;
    out = scratch;
    return true;
  }
  bool int64(std::int64_t& out) const {
    if (kind == Kind::Integer) return out = integer, true;
    return kind == Kind::Tree && int64FromJson(tree, out);
  }
};

// The fields of one operation that the writes read; absent ones stay unset.
struct OpFields {
  OpField op, collection, id, version, origin, key;
  json* data = nullptr;  // in ServerBatch::values: the writes point at it
  bool hasText = false;  // the data was written as canonical text (BatchTextReader::text_)
  std::string_view watchedKey;  // the data member the canonical writer located (the id field)
  json* ts = nullptr;

  // Ready for the next op: one OpFields serves them all (its trees are not made and destroyed
  // per op; a field's tree is only read while its kind says Tree).
  void clear() {
    for (OpField* field : {&op, &collection, &id, &version, &origin, &key}) field->kind = OpField::Kind::Absent;
    data = ts = nullptr;
    hasText = false;
    watchedKey = {};
  }
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
          std::string_view key;
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
  std::string escapedKey_;  // a key with escapes, decoded
  std::string opId_, dataId_;  // ids made from integers or trees (OpField::id)
  OpFields fields_;  // the op being read

  // A key as a view: its raw bytes, or (escapes) the decoded key in escapedKey_.
  bool readKey(std::string_view& key) {
    r_.skipSpace();
    if (r_.atEnd() || r_.peek() != '"') return false;
    if (!r_.plainString(key)) {
      escapedKey_.clear();
      if (!r_.parseString(escapedKey_)) return false;
      key = escapedKey_;
    }
    return r_.eat(':') && (r_.skipSpace(), true);
  }

  // An op field's value (a repeated key: the last one wins, as in the tree).
  bool readField(OpField& field, int depth) {
    if (r_.atEnd()) return false;
    const char c = r_.peek();
    if (c == '"' && r_.plainString(field.text)) return field.kind = OpField::Kind::Text, true;
    if ((c == '-' || (c >= '0' && c <= '9')) && r_.smallInteger(field.integer)) return field.kind = OpField::Kind::Integer, true;
    if (c == 'n' && r_.literal("null", 4)) return field.kind = OpField::Kind::Null, true;
    field.kind = OpField::Kind::Tree;
    field.tree = json();
    return r_.parseValue(field.tree, depth);
  }

  // The ops array, itself at nesting depth `depth`.
  bool readOps(int depth) {
    if (depth > r_.maxDepth() || !r_.eat('[')) return false;
    if (r_.eat(']')) return true;
    for (;;) {
      r_.skipSpace();
      const char* start = r_.position();
      if (!readOp(depth + 1)) return false;
      if (out_.writes.size() == 1) reserveLike(static_cast<std::size_t>(r_.position() - start));
      if (r_.eat(',')) continue;
      return r_.eat(']');
    }
  }

  // Room for the writes of a batch whose ops are about as long as its first (opBytes): a large
  // batch's writes are not moved at every growth of the vector. At most ~4 bytes of writes per
  // byte of text, whatever the first op's length.
  void reserveLike(std::size_t opBytes) {
    const std::size_t rest = static_cast<std::size_t>(r_.end() - r_.position());
    const std::size_t estimate = 1 + rest / std::max<std::size_t>(opBytes, 1);
    const std::size_t cap = 1 + 4 * rest / sizeof(ServerWrite);
    out_.writes.reserve(std::min(estimate, cap));
  }

  enum class Key { Op, Collection, Id, Version, Origin, Answer, Data, Ts, Other };

  // The key at the reader, past its ':' and white space. The op's usual keys, written plainly, are
  // matched in place (a fixed comparison, no scan); any other key is read as a string and named.
  bool readOpKey(Key& key) {
    const char* p = r_.position();
    const std::size_t left = static_cast<std::size_t>(r_.end() - p);
    bool matched = false;
    const auto at = [&](const auto& quoted, Key k) {  // the key with its quotes, then ':'
      constexpr std::size_t n = sizeof(quoted) - 1;
      if (matched || left <= n || std::memcmp(p, quoted, n) != 0 || p[n] != ':') return;
      r_.rewind(p + n + 1);
      key = k;
      matched = true;
    };
    if (left > 4) {
      switch (p[1]) {
        case 'o': at("\"op\"", Key::Op), at("\"origin\"", Key::Origin); break;
        case 'c': at("\"collection\"", Key::Collection); break;
        case 'i': at("\"id\"", Key::Id); break;
        case 'v': at("\"version\"", Key::Version); break;
        case 'k': at("\"key\"", Key::Answer); break;
        case 'd': at("\"data\"", Key::Data); break;
        case 't': at("\"ts\"", Key::Ts); break;
        default: break;
      }
    }
    if (matched) return r_.skipSpace(), true;
    std::string_view name;
    if (!readKey(name)) return false;
    key = is(name, "op") ? Key::Op : is(name, "collection") ? Key::Collection : is(name, "id") ? Key::Id
        : is(name, "version") ? Key::Version : is(name, "origin") ? Key::Origin : is(name, "key") ? Key::Answer
        : is(name, "data") ? Key::Data : is(name, "ts") ? Key::Ts : Key::Other;
    return true;
  }

  json* value() { return &out_.values.emplace_back(); }

  bool readOp(int depth) {
    if (depth > r_.maxDepth() || !r_.eat('{')) return false;
    OpFields& f = fields_;
    f.clear();
    if (!r_.eat('}')) {
      for (;;) {
        r_.skipSpace();
        Key key = Key::Other;
        if (!readOpKey(key)) return false;
        OpField* field = nullptr;
        json* slot = &scratch_;
        switch (key) {
          case Key::Op: field = &f.op; break;
          case Key::Collection: field = &f.collection; break;
          case Key::Id: field = &f.id; break;
          case Key::Version: field = &f.version; break;
          case Key::Origin: field = &f.origin; break;
          case Key::Answer: field = &f.key; break;
          case Key::Data:  // (repeated: the last one wins, as in the tree)
            f.hasText = false;
            if (dataText(f)) {
              f.data = nullptr;
              slot = nullptr;
              break;
            }
            slot = f.data != nullptr ? f.data : (f.data = value());
            break;
          case Key::Ts: slot = f.ts != nullptr ? f.ts : (f.ts = value()); break;
          case Key::Other: break;
        }
        if (field != nullptr) {
          if (!readField(*field, depth)) return false;
        } else if (slot != nullptr) {
          *slot = json();  // a repeated key: the last value wins, as in the tree
          if (!r_.parseValue(*slot, depth)) return false;
        }
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
    std::string_view name;
    Collection* c = f.collection.string(name) ? collection(name) : nullptr;
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

  Collection* collection(std::string_view name) {
    if (lastCollection_ == nullptr || name != lastName_) {
      lastName_.assign(name);
      lastCollection_ = lookup_(lastName_);
    }
    return lastCollection_;
  }

  static bool present(const json* v) { return v != nullptr && !v->is_null(); }

  bool version(const OpFields& f, ServerWrite& w) const {
    return f.version.int64(w.version) && w.version >= 0;
  }

  bool timestamp(const OpFields& f, ServerWrite& w) const {
    if (!present(f.ts)) return true;
    HlcTimestamp parsed;
    if (!hlcFromJson(*f.ts, parsed)) return false;
    w.ts = f.ts;
    return true;
  }

  // server_batch.cpp's readId: the op's id or the entity's id field, equal when both are there.
  // dataId: the entity's id field as idFromJson reads it, when the entity has one.
  bool id(const OpFields& f, const std::string_view* dataId, std::string& out) {
    std::string_view fromOp;
    const bool haveOp = f.id.present();
    if (haveOp && !f.id.id(opId_, fromOp)) return false;
    if ((haveOp && dataId != nullptr && fromOp != *dataId) || (!haveOp && dataId == nullptr)) return false;
    out.assign(haveOp ? fromOp : *dataId);
    return true;
  }

  // The entity's id field from its canonical text: a string without escapes is its bytes between
  // the quotes (the writer wrote it so); anything else is parsed as the tree path would read it.
  bool dataIdFromText(std::string_view idText, std::string_view& out) {
    if (idText.size() >= 2 && idText.front() == '"' && idText.find('\\') == std::string_view::npos) {
      out = idText.substr(1, idText.size() - 2);
      return !out.empty();
    }
    json dataId;
    JsonReader idReader(idText, limits_.forText().maxDepth);
    if (!idReader.parseDocument(dataId) || !idFromJson(dataId, dataId_)) return false;
    out = dataId_;
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
    std::string_view kind;
    if (!f.op.string(kind)) return false;
    // Made in place (a refused op fails the whole batch: the caller empties it).
    ServerWrite& w = out_.writes.emplace_back();
    if (kind == "ack") {  // readAnswer
      std::string_view key;
      if (!f.key.string(key) || key.empty()) return false;
      w.kind = ServerWrite::Kind::Ack;
      w.key.assign(key);
      if (f.version.present() && !f.version.isNull() && !version(f, w)) return false;
      if (f.hasText) dataTree(f);  // an ack folds its data as a tree (sync_answers.cpp)
      if (present(f.data)) {
        if (!f.data->is_object() || !checkDataDepth(*f.data, limits_, "data")) return false;
        w.data = f.data;
      }
      if (f.id.present() && !f.id.isNull()) {
        std::string_view id;
        if (!f.id.id(opId_, id)) return false;
        w.id.assign(id);
      }
      if (!timestamp(f, w)) return false;
      return true;
    }
    if (kind != "upsert" && kind != "delete") return false;  // the tree path's
    std::string_view name;
    if (!f.collection.string(name)) return false;
    Collection* c = collection(name);
    if (c == nullptr) return false;
    const std::string& idField = c->options().idField;
    w.collection = c;
    if (kind == "upsert" && f.hasText && f.watchedKey != idField) dataTree(f);
    if (kind == "upsert" && f.hasText) {  // readEntity, the entity as canonical text
      std::string_view idText, dataId;
      const bool haveDataId = canonical_.watched(idText);
      if (haveDataId && !dataIdFromText(idText, dataId)) return false;
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
      std::string_view dataIdText;
      if (dataId != f.data->end()) {
        if (!idFromJson(*dataId, dataId_)) return false;
        dataIdText = dataId_;
      }
      if (!version(f, w) || !id(f, dataId != f.data->end() ? &dataIdText : nullptr, w.id)) return false;
      w.kind = ServerWrite::Kind::Upsert;
      w.data = f.data;
      if (!f.data->contains(idField)) (*f.data)[idField] = w.id;
    } else {
      w.kind = ServerWrite::Kind::Delete;
      if (!version(f, w) || !id(f, nullptr, w.id)) return false;
    }
    // readOrigin
    if (f.origin.present() && !f.origin.isNull()) {
      std::string_view origin;
      if (!f.origin.string(origin)) return false;
      w.key.assign(origin);
    }
    if (!timestamp(f, w)) return false;
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
