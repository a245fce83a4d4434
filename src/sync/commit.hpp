// The commit: the one thing every call that changes the core answers with, and the only seam
// between the core and the shim. What the view changed (and the changed entities' views a reader
// will ask for), whom to tell, the effects to carry out in order, the events for the app, and the
// counters a status shows, so the shim never has to ask the core again after a commit.
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/json_util.hpp"
#include "store/change_set.hpp"
#include "vocabulary.hpp"

namespace syncore {

struct QueryUpdate {
  std::uint32_t query = 0;
  std::vector<std::string> ids;  // the query's window, in order
  std::size_t total = 0;         // matches before offset / limit
};

// A persisted record whose value the core wrote as its canonical text (the bytes dumpJson writes
// for the value's tree), for a shim that seals records as text (SyncCore::setPersistText).
struct RecordText {
  const char* store = "";  // a store name of the record format (a literal)
  json key;
  std::string text;
};

// An effect for the shim, in order: set-aside {changes}, persist {put: [records], delete: [keys]},
// send {batch, mutations}, wake {at}. fields: everything but the kind. A persist effect of a core
// that writes records as text holds its puts in `texts` instead (in order; `put` is then empty):
// the shim seals them (wasm/persist_records.cpp); toJson gives them as put records.
struct Effect {
  Effect() = default;
  Effect(EffectKind kind, json fields, std::vector<RecordText> texts = {})
      : kind(kind), fields(std::move(fields)), texts(std::move(texts)) {}

  EffectKind kind = EffectKind::Persist;
  json fields = json::object();
  std::vector<RecordText> texts;
  json toJson() const;  // {"type": kind name, ...fields}
};

// The names a local write's queued event carries: {collection, id, mutationId}.
struct QueuedNames {
  std::string collection, id, mutationId;
};

// An event for the app (settled mutations, conflicts, auth-required, refused records...).
// A local write's queued event keeps its names as strings (`queued`, fields null) and its tree is
// built only where it is written (toJson; the commit's text writes the strings): the plain write
// answers numbers and never writes it, and the tree cost ~2,500 instructions a write to build and
// free (issue 15).
struct Event {
  Event() = default;
  Event(EventType type, json fields) : type(type), fields(std::move(fields)) {}
  static Event queuedWrite(std::string collection, std::string id, std::string mutationId) {
    Event e(EventType::Queued, json());
    e.queued = QueuedNames{std::move(collection), std::move(id), std::move(mutationId)};
    return e;
  }

  EventType type = EventType::Queued;
  json fields = json::object();
  std::optional<QueuedNames> queued;  // set: the event's fields are these names, `fields` unused
  json fieldsJson() const;  // the fields as an object (the queued names made into one)
  json toJson() const;      // {"type": type name, ...fields}
};

// The counters a status shows, as of the end of the commit.
struct CommitCounts {
  std::size_t pending = 0;      // outbox entries
  std::size_t deadLetters = 0;
  std::size_t conflicts = 0;    // parked
  std::uint64_t setAside = 0;   // server changes set aside since clearSetAside
  bool resyncing = false;       // a full resync is under way
};

struct Commit {
  ChangeSet changes;                  // what the view changed
  std::vector<std::uint32_t> notify;  // subscriptions whose collection or entity changed
  std::vector<QueryUpdate> queries;   // live queries whose window or window entities changed
  std::int64_t cursor = 0;            // the server cursor after this commit
  // Ordered: set-aside, then persist, before any send; wake last.
  std::vector<Effect> effects;
  std::vector<Event> events;
  // Temp id -> server id, per collection, for ids remapped in this commit.
  std::map<std::string, std::map<std::string, std::string>> renamed;
  CommitCounts counts;
  // collection -> id -> view, for the created or updated entities a reader is about to ask for:
  // those in a reported query window, watched by a notified entity subscription, or just mutated.
  // Borrowed from the core's store, not copied (a 10 KB entity cost more to copy than the whole
  // write): valid until the core's next call that changes it, so write the commit out first.
  std::map<std::string, std::map<std::string, const json*>> views;
  // The trees of views of confirmed entities, which the store holds as text: built for this
  // commit and owned by it (a list: the pointers in views stay valid as it grows, and an empty
  // one allocates nothing; libstdc++'s deque allocated 576 bytes for every commit).
  std::list<json> builtViews;
};

// Effects or events as the objects the shim sees ({"type": name, ...fields}).
template <class Item>
std::vector<json> toJsonList(const std::vector<Item>& items) {
  std::vector<json> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.toJson());
  return out;
}

// The commit as a json tree (wire/commit_text.cpp writes the same document as text).
json commitToJson(const Commit& commit);

}  // namespace syncore
