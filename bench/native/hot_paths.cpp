// The core's hot paths, one noinline function each, for callgrind:
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='op_*' build/bench/syncore_bench
// Each op_* runs OPS times the same path the wasm binding runs (parse the JSON text, call the core,
// serialise the commit), so inclusive instructions / OPS = instructions per operation.
// Without valgrind it prints wall-clock ns per operation instead (noisy; callgrind is the view).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "wire/commit_text.hpp"
#include "wire/json_fast.hpp"
#include "wire/local_write_numbers.hpp"
#include "wire/mutation_request_text.hpp"
#include "sync/sync_core.hpp"

using syncore::Commit;
using syncore::SyncCore;
using json = nlohmann::json;

// Every heap allocation the binary makes, counted: the wall-clock line of each op says how many
// it made per operation (callgrind's call counts include the setup outside the toggled op).
// (The core is built without exceptions: a failed allocation aborts, as it would there.)
static std::size_t allocations = 0;
void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  std::abort();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr int kEntities = 10'000;
constexpr std::int64_t kNow = 1'700'000'000'000;

std::string entityId(int i) { return "s" + std::to_string(i); }
json entity(int i, int score) {
  return {{"id", entityId(i)}, {"name", "student " + std::to_string(i)}, {"score", score}, {"grade", i % 12}};
}

void check(syncore::Status s, const char* what) {
  if (!s.isOk()) {
    std::fprintf(stderr, "%s failed: %s\n", what, s.message.c_str());
    std::exit(1);
  }
}

// A core with kEntities loaded; online or not (online: mutations go straight into flight).
SyncCore loadedCore(bool online) {
  SyncCore core;
  check(core.defineCollection("s", json::object()), "defineCollection");
  check(core.configureClient({{"clientId", "bench"}, {"seed", 1}, {"persist", false},
                              {"batchSize", 100}, {"maxInFlightBatches", 1'000'000}}), "configureClient");
  Commit c;
  check(core.setOnline(online, kNow, c), "setOnline");
  json entities = json::array();
  for (int i = 0; i < kEntities; ++i) entities.push_back({{"id", entityId(i)}, {"version", 1}, {"data", entity(i, i % 1000)}});
  Commit load;
  check(core.applyServer(json{{"ops", json::array({{{"op", "load"}, {"collection", "s"}, {"entities", entities}}})}}, kNow, load), "load");
  return core;
}

// What the wasm binding does per mutate: parse the request text, mutate, serialise the commit;
// per server batch: applyServerText, serialise the commit.
json parseText(const std::string& text) {
  json out;
  check(syncore::parseJsonFast(text, out, syncore::ParseLimits{}), "parse");
  return out;
}

// The binding's mutate (wasm/core_handle_text.cpp): the request's fields read from the text, the
// commit written into an answer buffer kept between calls (the plain write's answer as numbers,
// as js/core.js asks for it, else the text).
std::string answer;
std::vector<double> numbers;
std::string sentClientId;
syncore::MutationRequest readRequest(const std::string& text) {
  syncore::MutationRequest request;
  if (!syncore::readMutationRequest(text, syncore::ParseLimits{}, request)) request = syncore::MutationRequest::fromJson(parseText(text));
  return request;
}
// withView: the written entity's view in the commit (core.mutate(request, { view: true }) when JS
// does not hold it); W2's core.mutate(request) asks for none.
std::size_t mutateText(SyncCore& core, const std::string& text, bool leaveViewOut = false, bool withView = true) {
  Commit c;
  std::string id;
  syncore::MutationRequest request = readRequest(text);
  const std::string_view requestId = request.id.isString() ? request.id.str() : std::string_view();
  check(core.mutate(std::move(request), kNow, c, id, withView), "mutate");
  if (leaveViewOut) c.views.clear();
  answer.clear();
  if (syncore::writeLocalWriteNumbers(numbers, answer, c, id, leaveViewOut, requestId, core.clientId(), sentClientId))
    return numbers.size() + answer.size();
  if (!syncore::appendLocalWriteText(answer, c, id, leaveViewOut)) syncore::appendCommitText(answer, c, id);
  return answer.size();
}
// A server batch's answer as CoreHandle::apply writes it: the changed ids on lines after the
// document (wire/commit_text.hpp, ChangeIds::Lines), without the envelope's constant prefix.
std::size_t applyText(SyncCore& core, const std::string& text) {
  Commit c;
  check(core.applyServerText(text, kNow, c), "applyServerText");
  std::string out;
  out.reserve(160);  // as commitToText
  syncore::appendCommitText(out, c, std::string(), syncore::ChangeIds::Lines);
  syncore::appendChangeLines(out, c);
  return out.size();
}

std::string updateText(int i, int score) {
  return json{{"collection", "s"}, {"op", "update"}, {"id", entityId(i)}, {"patch", {{"score", score}}}}.dump();
}
// One remote batch of `n` upserts starting at update number `first`.
std::string remoteBatch(int first, int n) {
  json ops = json::array();
  for (int k = first; k < first + n; ++k) {
    int i = static_cast<int>((static_cast<long long>(k) * 104729 + 7) % kEntities);
    ops.push_back({{"op", "upsert"}, {"collection", "s"}, {"id", entityId(i)}, {"version", 2 + k}, {"data", entity(i, k % 1000)}});
  }
  return json{{"ops", ops}}.dump();
}

// W4's create: a ~1 KB entity (bench/lib/durable.mjs kbEntity: a title, a score, a 950-character
// note of words) as JS sends it, on a client that persists; each persisted record then handled as
// wasm/persist_records.cpp seals it: its key's text and its value's text (the value tree dumped,
// or the text the core wrote: SyncCore::setPersistText), the record replaced by its sealed ref.
// (The CRC-32 and the header are the same bytes either way and are not counted.)
std::string kbCreateText(int i) {
  static const char* const kWords[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"};
  std::string note = "#" + std::to_string(i);
  for (unsigned x = static_cast<unsigned>(i) * 2654435761u + 1; note.size() < 950; x = x * 1103515245u + 12345u) {
    note += ' ';
    note += kWords[(x >> 16) % 8];
  }
  note.resize(950);
  const std::string id = "k" + std::to_string(i);
  return json{{"collection", "k"}, {"op", "create"}, {"data", {{"id", id}, {"title", "entity " + std::to_string(i)}, {"score", i % 1000}, {"note", note}}}}.dump();
}
SyncCore durableCore(bool asText) {
  SyncCore core;
  check(core.defineCollection("k", json::object()), "defineCollection");
  check(core.configureClient({{"clientId", "bench"}, {"seed", 1}, {"persist", true}}), "configureClient");
  core.setPersistText(asText);
  return core;
}
std::size_t durableCreate(SyncCore& core, const std::string& text) {
  Commit c;
  std::string id;
  check(core.mutate(readRequest(text), kNow, c, id, false), "mutate");
  std::size_t bytes = 0;
  std::uint32_t sealed = 0;
  for (syncore::Effect& e : c.effects) {
    if (e.kind != syncore::EffectKind::Persist) continue;
    for (json& r : e.fields["put"]) {  // records as trees: dumped
      bytes += syncore::dumpJson(r["key"]).size() + syncore::dumpJson(r["value"]).size();
      r.erase("value");
      r["sealed"] = ++sealed;
    }
    for (syncore::RecordText& r : e.texts) {  // records as text: copied
      std::string stored = r.text;
      bytes += syncore::dumpJson(r.key).size() + stored.size();
      e.fields["put"].push_back({{"key", std::move(r.key)}, {"sealed", ++sealed}, {"store", r.store}});
    }
    e.texts.clear();
  }
  answer.clear();
  if (!syncore::appendLocalWriteText(answer, c, id, false)) syncore::appendCommitText(answer, c, id);
  return bytes + answer.size();
}

std::size_t sink = 0;

// noipa: GCC's identical-code folding would otherwise merge the op_* functions into one symbol.
#if defined(__GNUC__) && !defined(__clang__)
#define BENCH_OP __attribute__((noinline, noipa))
#else
#define BENCH_OP __attribute__((noinline))
#endif

BENCH_OP void op_durable_create(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += durableCreate(core, t);
}
BENCH_OP void op_durable_create_text(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += durableCreate(core, t);
}
BENCH_OP void op_local_mutate(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += mutateText(core, t);
}
BENCH_OP void op_local_mutate_no_view(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += mutateText(core, t, false, false);
}
BENCH_OP void op_remote_apply_0(SyncCore& core, const std::vector<std::string>& b) {
  for (const auto& t : b) sink += applyText(core, t);
}
BENCH_OP void op_remote_apply_100(SyncCore& core, const std::vector<std::string>& b) {
  for (const auto& t : b) sink += applyText(core, t);
}
BENCH_OP void op_remote_apply_1000(SyncCore& core, const std::vector<std::string>& b) {
  for (const auto& t : b) sink += applyText(core, t);
}
BENCH_OP void op_rebase(SyncCore& core, const std::vector<std::string>& b) {
  for (const auto& t : b) sink += applyText(core, t);
}
BENCH_OP void op_fresh_batch(SyncCore& core, const std::string& batch) { sink += applyText(core, batch); }
BENCH_OP void op_ack(SyncCore& core, const std::vector<std::string>& acks) {
  for (const auto& t : acks) sink += applyText(core, t);
}
BENCH_OP void op_restore(SyncCore& core, const std::string& records) {
  Commit c;
  check(core.restore(parseText(records), c), "restore");
  sink += syncore::commitToText(c).size();
}
// W5's core: the stored-form restore (wasm/stored_restore.cpp) hands restoreAdd one line per
// record, entity records marked canonical (their data text kept as it is).
BENCH_OP void op_restore_stored(SyncCore& core, const std::vector<std::string>& lines) {
  check(core.restoreBegin(), "restoreBegin");
  for (const std::string& line : lines) check(core.restoreAdd(line), "restoreAdd");
  Commit c;
  check(core.restoreFinish(false, c), "restoreFinish");
  sink += c.events.size();
}
// The bench's live query (score > 500, by score descending, first 20) opened over the loaded
// collection: its first answer (bench row "live query ... first answer").
BENCH_OP void op_live_query_open(SyncCore& core, const json& spec, int times) {
  for (int i = 0; i < times; ++i) {
    syncore::QueryUpdate first;
    check(core.openQuery(spec, first), "openQuery");
    sink += first.ids.size();
    core.closeQuery(first.query);
  }
}
// The same with the query's fields already indexed (another query on them is open): the first
// answer is a scan of the index, no text read.
BENCH_OP void op_live_query_open_indexed(SyncCore& core, const json& spec, int times) {
  for (int i = 0; i < times; ++i) {
    syncore::QueryUpdate first;
    check(core.openQuery(spec, first), "openQuery");
    sink += first.ids.size();
    core.closeQuery(first.query);
  }
}
BENCH_OP void op_live_query_update(SyncCore& core, const std::vector<std::string>& b) {
  for (const auto& t : b) sink += applyText(core, t);
}
// W1: an update by patch of a watched ~10 KB entity. With its view in the commit (main before
// issue 15: the subscriptions made the core write it), or left out as wasm/core_handle_text.cpp
// does when JS makes the view from the one it holds.
BENCH_OP void op_w1_with_view(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += mutateText(core, t);
}
BENCH_OP void op_w1_view_left_out(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += mutateText(core, t, true);
}

// A one-field patch of a ~10 KB entity with no pending write of its own (each write a different
// entity, no view asked for): the write that patches the stored text instead of building the tree.
BENCH_OP void op_w1_fresh_entity(SyncCore& core, const std::vector<std::string>& texts) {
  for (const auto& t : texts) sink += mutateText(core, t, false, false);
}

template <typename F>
void timed(const char* name, int ops, F&& run) {
  const std::size_t allocated = allocations;
  auto t0 = std::chrono::steady_clock::now();
  run();
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-22s %8d ops %12.0f ns/op %8.2f allocations/op\n", name, ops, ns / ops,
              static_cast<double>(allocations - allocated) / ops);
}

}  // namespace

int main(int argc, char** argv) {
  const int scale = argc > 1 ? std::atoi(argv[1]) : 1;  // 1 under callgrind; more for wall clock
  const int mutations = 1000 * scale, updates = 2000 * scale, batch = 100;
  // An optional second argument runs one workload only (its name as printed), for a profile of it.
  const std::string only = argc > 2 ? argv[2] : "";
  const auto want = [&](const std::string& name) { return only.empty() || only == name; };

  if (want("durable_create") || want("durable_create_text")) {  // W4's 1 KB creates, persisted
    std::vector<std::string> texts;
    for (int i = 0; i < mutations; ++i) texts.push_back(kbCreateText(i));
    for (bool asText : {false, true}) {
      if (!want(asText ? "durable_create_text" : "durable_create")) continue;
      SyncCore core = durableCore(asText);
      if (asText) timed("durable_create_text", mutations, [&] { op_durable_create_text(core, texts); });
      else timed("durable_create", mutations, [&] { op_durable_create(core, texts); });
    }
  }
  if (want("local_mutate")) {  // local optimistic update of distinct entities (the pending log grows to `mutations`)
    SyncCore core = loadedCore(false);
    std::vector<std::string> texts;
    for (int i = 0; i < mutations; ++i) texts.push_back(updateText((i * 7919 + 13) % kEntities, i % 1000));
    timed("local_mutate", mutations, [&] { op_local_mutate(core, texts); });
  }
  if (want("local_mutate_no_view")) {  // the same as W2 calls it: no view asked for, none in the commit
    SyncCore core = loadedCore(false);
    std::vector<std::string> texts;
    for (int i = 0; i < mutations; ++i) texts.push_back(updateText((i * 7919 + 13) % kEntities, i % 1000));
    timed("local_mutate_no_view", mutations, [&] { op_local_mutate_no_view(core, texts); });
  }
  std::vector<std::string> batches;
  for (int k = 0; k < updates; k += batch) batches.push_back(remoteBatch(k, batch));
  for (int pending : {0, 100, 1000}) {  // remote upserts with `pending` local mutations to rebase
    if (!want("remote_apply_" + std::to_string(pending))) continue;
    SyncCore core = loadedCore(false);
    for (int k = 0; k < pending; ++k) mutateText(core, updateText(k * (kEntities / pending), 99));
    auto run = [&] {
      if (pending == 0) op_remote_apply_0(core, batches);
      else if (pending == 100) op_remote_apply_100(core, batches);
      else op_remote_apply_1000(core, batches);
    };
    std::string name = "remote_apply_" + std::to_string(pending);
    timed(name.c_str(), updates, run);
  }
  if (want("rebase")) {  // remote upserts that each meet a pending local edit of their entity: every one rebases
    SyncCore core = loadedCore(false);
    const int pending = 1000, stride = kEntities / pending;
    for (int k = 0; k < pending; ++k)  // W3's pending edits: a field the remote does not change
      mutateText(core, json{{"collection", "s"}, {"op", "update"}, {"id", entityId(k * stride)},
                            {"patch", {{"grade", 99}}}}.dump());
    std::vector<std::string> rebases;
    for (int k = 0; k < pending; k += batch) {
      json ops = json::array();
      for (int j = k; j < k + batch; ++j)
        ops.push_back({{"op", "upsert"}, {"collection", "s"}, {"id", entityId(j * stride)}, {"version", 2},
                       {"data", entity(j * stride, 500 + j % 100)}});
      rebases.push_back(json{{"ops", ops}}.dump());
    }
    timed("rebase", pending, [&] { op_rebase(core, rebases); });
    if (core.pendingMutations().size() != static_cast<std::size_t>(pending)) {
      std::fprintf(stderr, "rebase: %zu mutations pending, not %d\n", core.pendingMutations().size(), pending);
      return 1;
    }
  }
  if (want("fresh_batch")) {  // W6: one batch of 10,000 upserts of entities new to the store
    SyncCore core = loadedCore(false);
    json ops = json::array();
    for (int i = 0; i < kEntities; ++i) {
      json data = entity(i, i % 1000);
      data["id"] = "b" + std::to_string(i);
      ops.push_back({{"op", "upsert"}, {"collection", "s"}, {"id", data["id"]}, {"version", 1}, {"data", data}});
    }
    const std::string text = json{{"ops", ops}}.dump();
    timed("fresh_batch (per entity)", kEntities, [&] { op_fresh_batch(core, text); });
  }
  if (want("ack")) {  // acks of 1000 in-flight mutations, in order
    SyncCore core = loadedCore(true);
    std::vector<std::string> acks;
    for (int i = 0; i < mutations; ++i) {
      mutateText(core, updateText(i % kEntities, 5));
      acks.push_back(json{{"ops", json::array({{{"op", "ack"}, {"key", "bench:" + std::to_string(i + 1)}, {"version", 100 + i}}})}}.dump());
    }
    timed("ack", mutations, [&] { op_ack(core, acks); });
    if (!core.pendingMutations().empty()) {
      std::fprintf(stderr, "ack: %zu mutations still pending\n", core.pendingMutations().size());
      return 1;
    }
  }
  if (want("live_query_update")) {  // single-entity remote commits under an open live query (top 20 of one grade)
    SyncCore core = loadedCore(false);
    syncore::QueryUpdate first;
    check(core.openQuery({{"collection", "s"}, {"where", json::array({json::array({"grade", "eq", 5})})},
                          {"orderBy", json::array({json::array({"score", "desc"})})}, {"limit", 20}}, first), "openQuery");
    std::vector<std::string> one;
    for (int k = 0; k < updates; ++k) one.push_back(remoteBatch(k, 1));
    timed("live_query_update", updates, [&] { op_live_query_update(core, one); });
  }
  if (want("live_query_open")) {  // the first answer of a live query over kEntities small entities
    SyncCore core = loadedCore(false);
    const json spec = {{"collection", "s"}, {"where", json::array({json::array({"score", "gt", 500})})},
                       {"orderBy", json::array({json::array({"score", "desc"})})}, {"limit", 20}};
    timed("live_query_open (per entity)", 10 * kEntities, [&] { op_live_query_open(core, spec, 10); });
    syncore::QueryUpdate holder;  // keeps score indexed while the timed queries open and close
    check(core.openQuery(spec, holder), "openQuery");
    timed("live_query_open_indexed (per entity)", 10 * kEntities, [&] { op_live_query_open_indexed(core, spec, 10); });
  }
  if (want("restore") || want("restore_stored")) {  // restart: 10,000 persisted ~1 KB entities (what W5 hydrates) read back into a fresh core
    std::string records;
    {
      SyncCore source;
      check(source.defineCollection("k", json::object()), "defineCollection");
      check(source.configureClient({{"clientId", "bench"}, {"seed", 1}, {"persist", true}}), "configureClient");
      json entities = json::array();
      const std::string note(950, 'x');
      for (int i = 0; i < kEntities; ++i)
        entities.push_back({{"id", "k" + std::to_string(i)}, {"version", 1},
                            {"data", {{"id", "k" + std::to_string(i)}, {"title", "entity"}, {"score", i % 1000}, {"note", note}}}});
      Commit load;
      check(source.applyServer(json{{"ops", json::array({{{"op", "load"}, {"collection", "k"}, {"entities", entities}}})}}, kNow, load), "load");
      records = source.exportRecords().dump();
    }
    SyncCore core;
    check(core.defineCollection("k", json::object()), "defineCollection");
    check(core.configureClient({{"clientId", "bench"}, {"seed", 1}, {"persist", true}}), "configureClient");
    if (want("restore")) timed("restore (per record)", kEntities, [&] { op_restore(core, records); });
    std::vector<std::string> lines;
    for (const json& r : json::parse(records)) {
      if (r["store"] == "entities")
        lines.push_back(R"({"store":"entities","key":)" + r["key"].dump() + R"(,"canonical":true,"value":)" + syncore::dumpJson(r["value"]) + "}");
      else
        lines.push_back(r.dump());
    }
    SyncCore stored;
    check(stored.defineCollection("k", json::object()), "defineCollection");
    check(stored.configureClient({{"clientId", "bench"}, {"seed", 1}, {"persist", true}}), "configureClient");
    if (want("restore_stored")) timed("restore_stored (per record)", kEntities, [&] { op_restore_stored(stored, lines); });
  }
  for (int variant = 0; variant < 3; ++variant) {  // W1: 1,600 ~10 KB entities, 20 hot, 5 subscriptions each
    const bool leaveOut = variant == 1, fresh = variant == 2;
    if (!want(fresh ? "w1_fresh_entity" : leaveOut ? "w1_view_left_out" : "w1_with_view")) continue;
    SyncCore core;
    check(core.defineCollection("e", json::object()), "defineCollection");
    check(core.configureClient({{"clientId", "bench"}, {"seed", 1}, {"persist", false}}), "configureClient");
    Commit off;
    check(core.setOnline(false, kNow, off), "setOnline");
    const std::string body = std::string("lorem ipsum dolor sit amet ").append(10'000, 'x').substr(0, 10'000);
    json entities = json::array();
    for (int i = 0; i < 1600; ++i)
      entities.push_back({{"id", "e" + std::to_string(i)}, {"version", 1},
                          {"data", {{"id", "e" + std::to_string(i)}, {"title", "entity"}, {"score", i % 1000}, {"body", body}}}});
    Commit load;
    check(core.applyServer(json{{"ops", json::array({{{"op", "load"}, {"collection", "e"}, {"entities", entities}}})}}, kNow, load), "load");
    for (int k = 0; k < (fresh ? 0 : 20); ++k)
      for (int j = 0; j < 5; ++j) {
        std::uint32_t sub = 0;
        check(core.subscribe("e", "e" + std::to_string(k * 80), sub), "subscribe");
      }
    std::vector<std::string> texts;
    for (int i = 0; i < mutations; ++i) {
      const int entity = fresh ? (i * 7 + 1) % 1600 : (i % 20) * 80;  // fresh: distinct entities (scale 1), unwatched
      texts.push_back(json{{"collection", "e"}, {"op", "update"}, {"id", "e" + std::to_string(entity)}, {"patch", {{"score", 1000 + i}}}}.dump());
    }
    if (fresh) timed("w1_fresh_entity", mutations, [&] { op_w1_fresh_entity(core, texts); });
    else if (leaveOut) timed("w1_view_left_out", mutations, [&] { op_w1_view_left_out(core, texts); });
    else timed("w1_with_view", mutations, [&] { op_w1_with_view(core, texts); });
  }
  return sink == 0;
}
