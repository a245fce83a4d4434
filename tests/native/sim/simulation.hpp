// Deterministic simulation of syncore clients against a model server over a faulty network.
//
// One seed fixes everything: 3-4 clients and three collections with per-seed strategies
// (server-wins, client-wins, last-write-wins, merge with field rules, manual, custom through an
// app resolver); the workload (creates with temp or explicit ids, updates as patches or edited
// entities touching the same fields from several clients, nested objects, references to other
// ids, deletes; random priorities and per-mutation strategy overrides); the network (delays,
// loss, duplication, reordering, late answers after reconnects, partitions, batch timeouts,
// change-feed gaps closed by catch-up, which is compacted or a full snapshot); server faults
// (transient, auth and validation rejections; acks with or without data; conflict answers
// remembered or not); client clocks that disagree, one sometimes hours ahead; client crashes at
// random points (between commits, before a commit's persist effect is written, or after it but
// before its sends) with a restart from the persisted records; and the app's decisions on parked
// conflicts (local, remote or a merged value) and dead letters (retry, edit, discard). Time is
// virtual; nothing reads a clock.
//
// After the workload stops the world is brought to quiescence (partitions healed, network
// reliable, every message delivered, retries run, conflicts resolved, dead letters retried or
// discarded) and checked:
//   - every client's view (list() of each collection) equals the server's live entities, and
//     its cursor the server's cursor; nothing pending, parked or dead;
//   - every mutation the API accepted durably has a fate: acked (and applied by the server
//     exactly once), cancelled / merged / overridden (never applied), parked and resolved
//     (never applied), or dead-lettered and discarded (applied at most once) — never vanished,
//     never settled twice;
//   - the server applied every key at most once, never saw a key re-sent with another payload or
//     an edit addressed to a temp id, and made at most one entity per temp id (no duplicate
//     creates);
//   - per entity and client, the server applied mutations in the order they were made;
//   - the persisted records equal what the core holds in memory (exportRecords; checked before
//     crashes, after a sample of commits and at the end), and a restart from them gives back the
//     same state (views, cursor, outbox, dead letters, parked conflicts).
// A failure names its seed; SIM_SEED=<seed> replays exactly that run (SIM_TRACE=1 narrates it).
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_server.hpp"
#include "base/prng.hpp"
#include "sync/sync_core.hpp"

namespace sim {

using syncore::Commit;
using syncore::Status;
using syncore::SyncCore;

// The app's custom conflict resolver (strategy "custom"): keeps the larger counter and the local
// title over the server's entity, accepts remote deletions, and leaves a local delete that met a
// remote edit undecided (the conflict is then parked, as for manual).
struct SimResolver : syncore::CustomResolver {
  bool resolve(const syncore::ConflictCase& c, json& merged) override {
    if (c.local.kind == syncore::LocalChange::Kind::Delete) return false;
    if (c.remote.is_null()) {
      merged = nullptr;
      return true;
    }
    json local = c.base.is_object() ? c.base : json::object();
    local.merge_patch(c.local.patch);
    merged = c.remote;
    auto ln = local.find("n"), rn = merged.find("n");
    if (ln != local.end() && ln->is_number_integer() && (rn == merged.end() || !rn->is_number_integer() ||
                                                          ln->get<std::int64_t>() > rn->get<std::int64_t>()))
      merged["n"] = *ln;
    if (local.contains("title")) merged["title"] = local["title"];
    return true;
  }
};

struct SimFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SimResult {
  bool ok = true;
  std::string reason;
  std::uint64_t digest = 0;  // hash of the final server state and trace counters: replay check
  std::map<std::string, std::uint64_t> stats;
};

struct SimOptions {
  bool trace = false;     // every step to stderr
#ifdef NDEBUG
  int stepsScale = 250;   // percent of the base workload length (SIM_SCALE overrides)
#else
  int stepsScale = 100;   // unoptimized builds run shorter workloads by default
#endif
  // Clock skew: every 4th seed gives its clients clocks one hour behind, one hour ahead and at
  // 2099 (the rest keep seconds of disagreement); skewAll does it for every seed (SIM_CLOCKS=skew).
  bool skewAll = false;
};

class Simulation {
 public:
  explicit Simulation(std::uint64_t seed, SimOptions options = {})
      : seed_(seed), options_(options), rng_(seed * 0x9E3779B97F4A7C15ull + 12345) {}

  SimResult run() {
    SimResult result;
    try {
      setup();
      for (int step = 0; step < steps_; ++step) {
        now_ += rng_.uniform(1, 120);
        drainUntil(now_);
        act();
      }
      quiesce();
      checkFinal();
    } catch (const SimFailure& f) {
      result.ok = false;
      result.reason = f.what();
    }
    result.stats = stats_;
    result.digest = digest();
    return result;
  }

 private:
  // ---- the world -----------------------------------------------------------------------------

  enum class CrashMode { None, Between, BeforePersist, AfterPersist };

  struct Client {
    int index = 0;
    std::string id;
    json config;
    std::unique_ptr<SyncCore> core;
    std::uint64_t incarnation = 0;
    std::map<std::string, json> storage;  // "store\x1fkey" -> {store, key, value}
    std::int64_t skew = 0;  // the client's wall clock minus virtual time
    bool partitioned = false;
    bool authPending = false;
    CrashMode armed = CrashMode::None;
    json preCrash;  // the state before a crash whose commits were all written, to compare after restart
    std::int64_t lastCatchupRequest = -1'000'000;
    std::set<std::int64_t> wakes;
    std::map<std::uint64_t, int> deadRetries;
    bool up() const { return core != nullptr; }
    bool connected() const { return core != nullptr && core->online(); }
  };

  struct MutRec {
    int client = 0;
    std::int64_t number = 0;
    std::string kind, collection, entity, origin;
    std::vector<std::string> statuses;
    std::set<std::string> keys;
    int retries = 0;
    bool discarded = false, resolved = false;
  };

  struct NewMut {
    std::string id, kind, collection, entity, origin;
  };

  struct Event {
    enum class Kind { Push, CatchupRequest, Answers, Feed, Catchup, Timeout, Wake, Restart, PartitionEnd, Heartbeat, ResumeAuth };
    std::int64_t at = 0;
    std::uint64_t order = 0;
    Kind kind = Kind::Wake;
    int client = 0;
    std::uint64_t incarnation = 0;
    std::uint32_t batch = 0;
    std::int64_t from = 0, to = 0;
    json body;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.order > b.order;
    }
  };

  // ---- helpers -------------------------------------------------------------------------------

  [[noreturn]] void fail(const std::string& why) {
    throw SimFailure(why + " (at t=" + std::to_string(now_) + "ms)");
  }

  bool chance(double p) { return p > 0 && rng_.uniform(0, 999'999) < static_cast<std::int64_t>(p * 1'000'000); }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(rng_.uniform(0, static_cast<std::int64_t>(v.size()) - 1))]; }

  void trace(const std::string& line) {
    if (options_.trace) std::cerr << "[t=" << now_ << "] " << line << "\n";
  }

  void count(const std::string& what, std::uint64_t n = 1) { stats_[what] += n; }

  std::int64_t wall(const Client& c) const { return now_ + epoch_ + c.skew; }

  bool skewedClocks() const { return options_.skewAll || seed_ % 4 == 0; }

  // A client's hybrid logical clock never runs further ahead of its own wall clock than its
  // maxClockDriftMs: remote timestamps are clamped before they are merged, so a client at 2099
  // cannot drag the others there. Read from the persisted meta record, which a restart resumes.
  void checkClock(Client& c, const std::string& when) {
    for (const json& r : c.core->exportRecords()) {
      if (str(r, "store") != "meta") continue;
      const json& clock = r["value"]["clock"];
      const std::int64_t hlcWall = clock["wall"].get<std::int64_t>();
      const std::int64_t limit = wall(c) + c.config["maxClockDriftMs"].get<std::int64_t>();
      if (hlcWall > limit)
        fail(c.id + ": " + when + ", its clock " + clock.dump() + " is ahead of its wall " + std::to_string(wall(c)) +
             " by more than maxClockDriftMs");
    }
  }

  static Event heartbeat(int client, std::int64_t at) {
    Event e;
    e.kind = Event::Kind::Heartbeat;
    e.client = client;
    e.at = at;
    return e;
  }

  void push(Event e) {
    e.order = nextOrder_++;
    if (e.at < now_) e.at = now_;
    queue_.push(std::move(e));
  }

  // The network: every message may be lost, duplicated, delayed (a long delay reorders it).
  void send(Event e) {
    const bool faulty = !quiescing_;
    if (faulty && chance(loss_)) {
      count("net.lost");
      return;
    }
    const int copies = faulty && chance(dup_) ? 2 : 1;
    if (copies == 2) count("net.duplicated");
    for (int i = 0; i < copies; ++i) {
      Event copy = e;
      std::int64_t delay = rng_.uniform(1, delayMax_);
      if (faulty && chance(longDelay_)) {
        delay += rng_.uniform(300, 3000);
        count("net.delayed");
      }
      copy.at = now_ + delay;
      push(std::move(copy));
    }
  }

  static std::string storageKey(const json& store, const json& key) { return store.dump() + "\x1f" + key.dump(); }

  static std::int64_t mutationNumber(const std::string& mid) {
    auto hash = mid.rfind('#');
    return hash == std::string::npos ? -1 : std::stoll(mid.substr(hash + 1));
  }

  // ---- setup -----------------------------------------------------------------------------------

  void setup() {
    const std::vector<std::string> strategies = {"server-wins", "client-wins", "last-write-wins", "merge", "manual", "custom"};
    for (const char* name : {"tasks", "notes", "cards"}) {
      json options = {{"strategy", pick(strategies)}};
      if (options["strategy"] == "merge" || chance(0.3))
        options["mergeRules"] = {{"default", pick(std::vector<std::string>{"server", "client", "last-write-wins"})},
                                 {"fields", {{"meta.owner", "server"}, {"title", "client"}, {"n", "last-write-wins"}}}};
      collections_.push_back({name, options});
      server_.defineCollection(name);
    }
    const bool calm = chance(0.1);  // a few seeds without network or server faults
    loss_ = calm ? 0 : rng_.uniform(0, 12) / 100.0;
    dup_ = calm ? 0 : rng_.uniform(0, 8) / 100.0;
    longDelay_ = calm ? 0 : rng_.uniform(0, 8) / 100.0;
    delayMax_ = rng_.uniform(5, 250);
    batchTimeoutMs_ = rng_.uniform(400, 2000);
    crashP_ = calm ? 0 : rng_.uniform(0, 30) / 1000.0;
    partitionP_ = rng_.uniform(0, 50) / 1000.0;
    faults_.transient = calm ? 0 : rng_.uniform(0, 5) / 100.0;
    faults_.auth = calm ? 0 : rng_.uniform(0, 2) / 100.0;
    faults_.validation = calm ? 0 : rng_.uniform(0, 3) / 100.0;
    server_.ackData = !chance(0.25);
    server_.storeConflicts = !chance(0.3);
    steps_ = static_cast<int>(rng_.uniform(120, 240) * options_.stepsScale / 100);
    const int n = static_cast<int>(rng_.uniform(3, 4));
    for (int i = 0; i < n; ++i) {
      auto c = std::make_unique<Client>();
      c->index = i;
      c->id = "c" + std::to_string(i + 1);
      // Clocks disagree by seconds; now and then one runs hours ahead (LWW must clamp it).
      c->skew = chance(0.05) ? rng_.uniform(3'600'000, 7'200'000) : rng_.uniform(-3000, 3000);
      if (skewedClocks()) {
        // Decided without the seed's generator, so the other seeds replay exactly as before.
        constexpr std::int64_t kHour = 3'600'000;
        constexpr std::int64_t k2099 = 4'070'908'800'000;  // 2099-01-01T00:00:00Z
        constexpr std::int64_t kEpoch2023 = 1'700'000'000'000;
        // Real time is then 2023 (epoch_), so the clock an hour behind is not before 1970.
        epoch_ = kEpoch2023;
        const std::int64_t profile[] = {-kHour, kHour, k2099 - kEpoch2023 - now_};
        if (i < 3) c->skew = profile[(static_cast<std::uint64_t>(i) + seed_) % 3];
      }
      const std::int64_t base = rng_.uniform(20, 400);
      c->config = {{"clientId", c->id},
                   {"seed", rng_.uniform(1, 1'000'000)},
                   {"persist", true},
                   {"batchSize", rng_.uniform(1, 6)},
                   {"maxInFlightBatches", rng_.uniform(1, 3)},
                   {"maxRetries", rng_.uniform(2, 6)},
                   {"backoffBaseMs", base},
                   {"backoffMaxMs", base * rng_.uniform(4, 20)},
                   {"maxClockDriftMs", rng_.uniform(1000, 120'000)}};
      clients_.push_back(std::move(c));
    }
    if (skewedClocks()) count("clocks.skewedSeeds");
    trace("seed " + std::to_string(seed_) + ": " + std::to_string(n) + " clients, " + std::to_string(steps_) +
          " steps, loss " + std::to_string(loss_) + ", dup " + std::to_string(dup_) + ", crash " +
          std::to_string(crashP_));
    for (auto& c : clients_) {
      c->core = makeCore(*c);
      goOnline(*c);
      push(heartbeat(c->index, now_ + rng_.uniform(500, 2500)));
    }
  }

  std::unique_ptr<SyncCore> makeCore(Client& c) {
    auto core = std::make_unique<SyncCore>();
    for (const auto& [name, options] : collections_) {
      if (Status s = core->defineCollection(name, options); !s) fail(c.id + ": defineCollection: " + s.message);
      core->setCustomResolver(name, &resolver_);
    }
    if (Status s = core->configureClient(c.config); !s) fail(c.id + ": configureClient: " + s.message);
    return core;
  }

  void expectOk(const Status& s, Client& c, const std::string& what) {
    if (!s) fail(c.id + ": " + what + " failed: " + s.message);
  }

  // ---- the shim: a commit's effects and events -------------------------------------------------

  // Carries out a commit's effects in order. Returns false when the client crashed before the
  // commit's persist effect was written (the commit never happened).
  bool handleCommit(Client& c, Commit& commit, const std::vector<NewMut>& fresh) {
    bool hasPersist = false;
    for (const json& e : toJsonList(commit.effects)) hasPersist = hasPersist || e["type"] == "persist";
    const CrashMode mode = hasPersist ? c.armed : CrashMode::None;
    if (mode == CrashMode::BeforePersist) {
      trace(c.id + " crashes before writing a commit");
      count("crash.before-persist");
      crash(c, false);
      return false;
    }
    for (const NewMut& m : fresh) registerMutation(c, m);  // the commit happens: it is accepted
    std::map<std::string, std::vector<std::string>> keyIds;
    bool keyIdsLoaded = false;
    for (const json& e : toJsonList(commit.effects)) {
      const std::string type = str(e, "type");
      if (type == "persist") {
        for (const json& r : e["put"]) c.storage[storageKey(r["store"], r["key"])] = r;
        for (const json& r : e["delete"]) c.storage.erase(storageKey(r["store"], r["key"]));
      } else if (type == "send") {
        if (mode == CrashMode::AfterPersist) continue;
        if (!keyIdsLoaded) {
          for (const json& p : c.core->pendingMutations()) {
            auto& ids = keyIds[str(p, "key")];
            for (const json& m : p["mutationIds"]) ids.push_back(m.get<std::string>());
          }
          keyIdsLoaded = true;
        }
        sendBatch(c, e, keyIds);
      } else if (type == "wake") {
        if (mode == CrashMode::AfterPersist) continue;
        scheduleWake(c, num(e, "at") - c.skew - epoch_);  // the client's clock -> virtual time
      } else {
        fail(c.id + ": unknown effect " + e.dump());
      }
    }
    for (const json& ev : toJsonList(commit.events)) handleEvent(c, ev);
    if (hasPersist && chance(0.02)) {
      checkStorage(c, "after a commit");
      checkClock(c, "after a commit");
    }
    if (mode == CrashMode::AfterPersist) {
      trace(c.id + " crashes after writing a commit, before its sends");
      count("crash.after-persist");
      crash(c, true);
    }
    return true;
  }

  void registerMutation(Client& c, const NewMut& m) {
    if (muts_.count(m.id) != 0) fail(c.id + ": mutation id " + m.id + " issued twice");
    MutRec r;
    r.client = c.index;
    r.number = mutationNumber(m.id);
    r.kind = m.kind;
    r.collection = m.collection;
    r.entity = m.entity;
    r.origin = m.origin;
    muts_.emplace(m.id, std::move(r));
    count("mutations.accepted");
  }

  void sendBatch(Client& c, const json& effect, const std::map<std::string, std::vector<std::string>>& keyIds) {
    const json& mutations = effect["mutations"];
    for (const json& m : mutations) {
      const std::string key = str(m, "key");
      auto it = keyIds.find(key);
      if (it == keyIds.end()) fail(c.id + ": sent key " + key + " that is not in its outbox");
      auto known = keyMuts_.find(key);
      if (known != keyMuts_.end() && known->second != it->second)
        fail(c.id + ": key " + key + " re-sent for other mutations");
      keyMuts_[key] = it->second;
      for (const std::string& mid : it->second) {
        auto rec = muts_.find(mid);
        if (rec == muts_.end()) fail(c.id + ": sent mutation " + mid + " that was never accepted");
        rec->second.keys.insert(key);
      }
    }
    const auto batch = static_cast<std::uint32_t>(num(effect, "batch"));
    trace(c.id + " sends batch " + std::to_string(batch) + ": " + mutations.dump());
    count("batches.sent");
    Event e;
    e.kind = Event::Kind::Push;
    e.client = c.index;
    e.body = mutations;
    send(std::move(e));
    Event timeout;
    timeout.kind = Event::Kind::Timeout;
    timeout.client = c.index;
    timeout.incarnation = c.incarnation;
    timeout.batch = batch;
    timeout.at = now_ + batchTimeoutMs_;
    push(std::move(timeout));
  }

  void scheduleWake(Client& c, std::int64_t at) {
    if (at < now_) at = now_;
    if (!c.wakes.insert(at).second) return;
    Event e;
    e.kind = Event::Kind::Wake;
    e.client = c.index;
    e.incarnation = c.incarnation;
    e.at = at;
    push(std::move(e));
  }

  void handleEvent(Client& c, const json& ev) {
    const std::string type = str(ev, "type");
    if (type == "settled") {
      const std::string status = str(ev, "status");
      count("settled." + status, ev["mutationIds"].size());
      for (const json& idj : ev["mutationIds"]) {
        const std::string mid = idj.get<std::string>();
        auto it = muts_.find(mid);
        if (it == muts_.end()) fail(c.id + ": settled (" + status + ") unknown mutation " + mid);
        MutRec& r = it->second;
        if (!r.statuses.empty()) {
          const long deads = std::count(r.statuses.begin(), r.statuses.end(), std::string("dead-letter"));
          if (r.statuses.back() != "dead-letter" || r.retries < deads)
            fail(c.id + ": mutation " + mid + " settled twice: " + r.statuses.back() + ", then " + status);
        }
        r.statuses.push_back(status);
      }
      trace(c.id + " settled " + status + " " + ev["mutationIds"].dump());
    } else if (type == "conflict") {
      count("conflict." + str(ev, "strategy") + "." + str(ev, "outcome"));
      trace(c.id + " conflict " + ev.dump());
    } else if (type == "auth-required") {
      count("auth-required");
      if (!c.authPending) {
        c.authPending = true;
        Event e;
        e.kind = Event::Kind::ResumeAuth;
        e.client = c.index;
        e.at = now_ + rng_.uniform(50, 800);
        push(std::move(e));
      }
    } else if (type == "queued") {
      // nothing
    } else {
      count("event." + type);
    }
  }

  // ---- crash and restart -------------------------------------------------------------------------

  json snapshot(const SyncCore& core) {
    json out = {{"cursor", core.cursor()}};
    for (const auto& [name, options] : collections_) {
      json list;
      core.list(name, list);
      out["views"][name] = list;
    }
    json pending = core.pendingMutations();
    for (json& p : pending) {
      p.erase("state");
      p.erase("attempts");
      p.erase("notBefore");
    }
    out["pending"] = pending;
    json dead = core.deadLetters();
    for (json& d : dead) {
      d.erase("attempts");
      d.erase("notBefore");
    }
    std::sort(dead.begin(), dead.end(), [](const json& a, const json& b) { return num(a, "seq") < num(b, "seq"); });
    out["dead"] = dead;
    out["conflicts"] = core.conflicts();
    return out;
  }

  void crash(Client& c, bool comparable) {
    if (comparable) {
      checkStorage(c, "before a crash");
      c.preCrash = snapshot(*c.core);
    } else {
      c.preCrash = json();
    }
    c.core.reset();
    c.armed = CrashMode::None;
    ++c.incarnation;
    c.wakes.clear();
    Event e;
    e.kind = Event::Kind::Restart;
    e.client = c.index;
    e.at = now_ + rng_.uniform(50, 1500);
    push(std::move(e));
  }

  json storedRecords(const Client& c) const {
    json records = json::array();
    for (const auto& [k, r] : c.storage) records.push_back(r);
    return records;
  }

  void restart(Client& c) {
    c.core = makeCore(c);
    Commit commit;
    expectOk(c.core->restore(storedRecords(c), commit), c, "restore");
    trace(c.id + " restarted from " + std::to_string(c.storage.size()) + " records");
    count("restarts");
    handleCommit(c, commit, {});
    if (!c.up()) return;
    if (!c.preCrash.is_null()) {
      json after = snapshot(*c.core);
      if (after != c.preCrash)
        fail(c.id + ": a restart changed the state: before " + c.preCrash.dump() + "\nafter " + after.dump());
      c.preCrash = json();
    }
    if (c.authPending) {
      Event e;
      e.kind = Event::Kind::ResumeAuth;
      e.client = c.index;
      e.at = now_ + rng_.uniform(10, 300);
      push(std::move(e));
    }
    if (!c.partitioned) goOnline(c);
  }

  // The records written so far must be what the core would write from scratch, up to fields
  // that only matter while running (in-flight state, attempt counts, backoff times).
  static std::map<std::string, json> normalized(const json& records) {
    std::map<std::string, json> out;
    for (const json& r : records) {
      json value = r.contains("value") ? r["value"] : json();
      const std::string store = str(r, "store");
      json* entry = store == "outbox" ? &value : store == "deadLetters" && value.contains("entry") ? &value["entry"] : nullptr;
      if (entry != nullptr && entry->is_object()) {
        entry->erase("state");
        entry->erase("attempts");
        entry->erase("notBeforeMs");
      }
      out[storageKey(r["store"], r["key"])] = value;
    }
    return out;
  }

  void checkStorage(Client& c, const std::string& when) {
    auto stored = normalized(storedRecords(c));
    auto memory = normalized(c.core->exportRecords());
    for (const auto& [k, v] : memory) {
      auto it = stored.find(k);
      if (it == stored.end()) fail(c.id + ": " + when + ", record " + k + " is in memory but was never persisted: " + v.dump());
      if (it->second != v)
        fail(c.id + ": " + when + ", record " + k + " persisted as " + it->second.dump() + " but memory holds " + v.dump());
    }
    for (const auto& [k, v] : stored)
      if (memory.count(k) == 0) fail(c.id + ": " + when + ", record " + k + " is persisted but gone from memory: " + v.dump());
  }

  // ---- connectivity --------------------------------------------------------------------------------

  void goOnline(Client& c) {
    Commit commit;
    expectOk(c.core->setOnline(true, wall(c), commit), c, "setOnline(true)");
    trace(c.id + " online");
    handleCommit(c, commit, {});
    if (c.up()) requestCatchup(c, true);
  }

  void goOffline(Client& c) {
    Commit commit;
    expectOk(c.core->setOnline(false, wall(c), commit), c, "setOnline(false)");
    trace(c.id + " offline");
    handleCommit(c, commit, {});
  }

  void requestCatchup(Client& c, bool force) {
    if (!c.connected()) return;
    if (!force && now_ - c.lastCatchupRequest < 300) return;
    c.lastCatchupRequest = now_;
    Event e;
    e.kind = Event::Kind::CatchupRequest;
    e.client = c.index;
    e.from = c.core->cursor();
    send(std::move(e));
  }

  void applyServer(Client& c, json batch, const char* what) {
    Commit commit;
    Status s = c.core->applyServer(batch, wall(c), commit);
    if (!s) fail(c.id + ": applyServer rejected " + what + ": " + s.message + ": " + batch.dump());
    handleCommit(c, commit, {});
  }

  // ---- events ----------------------------------------------------------------------------------

  void drainUntil(std::int64_t until) {
    while (!queue_.empty() && queue_.top().at <= until) {
      Event e = std::move(const_cast<Event&>(queue_.top()));  // popped at once: moving out is safe
      queue_.pop();
      if (e.at > now_) now_ = e.at;
      if (++events_ > 1'000'000) fail("event storm: more than 1,000,000 events (a livelock?)");
      if (quiescing_ && now_ - quiesceStart_ > 3'600'000)
        fail("no quiescence after an hour of virtual time (a livelock?)");
      dispatch(e);
    }
  }

  void drainAll() {
    while (!queue_.empty()) drainUntil(queue_.top().at);
  }

  void dispatch(Event& e) {
    Client& c = *clients_[static_cast<std::size_t>(e.client)];
    switch (e.kind) {
      case Event::Kind::Push: {
        ModelServer::Faults f = quiescing_ ? ModelServer::Faults{0, 0, faults_.validation} : faults_;
        server_.now = now_ + epoch_;  // the server's clock is right
        ModelServer::PushResult r = server_.push(c.id, e.body, rng_, f);
        if (!server_.violations.empty()) fail("server saw a protocol violation: " + server_.violations.front());
        trace("server answers " + c.id + ": " + r.answers.dump());
        Event answer;
        answer.kind = Event::Kind::Answers;
        answer.client = c.index;
        answer.body = r.answers;
        send(std::move(answer));
        if (!r.feed.empty()) {
          for (auto& other : clients_) {
            if (!other->connected()) continue;
            Event feed;
            feed.kind = Event::Kind::Feed;
            feed.client = other->index;
            feed.from = r.from;
            feed.to = r.to;
            feed.body = r.feed;
            send(std::move(feed));
          }
        }
        break;
      }
      case Event::Kind::CatchupRequest: {
        const bool snapshot = chance(0.2);
        Event reply;
        reply.kind = Event::Kind::Catchup;
        reply.client = c.index;
        reply.from = snapshot ? -1 : e.from;
        reply.to = server_.cursor;
        reply.body = server_.catchUp(e.from, snapshot);
        send(std::move(reply));
        break;
      }
      case Event::Kind::Answers:
        if (!c.connected()) {
          count("net.undeliverable");
          break;
        }
        applyServer(c, e.body, "answers");
        break;
      case Event::Kind::Feed:
      case Event::Kind::Catchup: {
        if (!c.connected()) {
          count("net.undeliverable");
          break;
        }
        const bool contiguous = e.from <= c.core->cursor();
        json batch = contiguous ? json{{"ops", e.body}, {"cursor", e.to}} : e.body;
        applyServer(c, std::move(batch), e.kind == Event::Kind::Feed ? "a change feed" : "a catch-up");
        if (!contiguous && c.up()) {
          count("feed.gaps");
          requestCatchup(c, false);
        }
        break;
      }
      case Event::Kind::Timeout: {
        if (!c.up() || e.incarnation != c.incarnation) break;
        Commit commit;
        expectOk(c.core->batchTimedOut(e.batch, wall(c), commit), c, "batchTimedOut");
        handleCommit(c, commit, {});
        break;
      }
      case Event::Kind::Wake: {
        if (!c.up() || e.incarnation != c.incarnation) break;
        c.wakes.erase(e.at);
        Commit commit;
        expectOk(c.core->tick(wall(c), commit), c, "tick");
        handleCommit(c, commit, {});
        break;
      }
      case Event::Kind::Restart:
        restart(c);
        break;
      case Event::Kind::PartitionEnd:
        c.partitioned = false;
        trace(c.id + " partition heals");
        if (c.up() && !c.connected()) goOnline(c);
        break;
      case Event::Kind::Heartbeat:
        if (c.connected()) requestCatchup(c, false);
        if (!quiescing_) push(heartbeat(c.index, now_ + rng_.uniform(1000, 3000)));
        break;
      case Event::Kind::ResumeAuth: {
        if (!c.up() || !c.authPending) break;
        Commit commit;
        expectOk(c.core->resumeQueue(wall(c), commit), c, "resumeQueue");
        if (handleCommit(c, commit, {})) c.authPending = false;
        break;
      }
    }
  }

  // ---- the workload ----------------------------------------------------------------------------------

  Client* randomUpClient() {
    std::vector<Client*> up;
    for (auto& c : clients_)
      if (c->up()) up.push_back(c.get());
    return up.empty() ? nullptr : pick(up);
  }

  void act() {
    const std::int64_t r = rng_.uniform(0, 999);
    Client* c = randomUpClient();
    if (c == nullptr) return;
    if (r < 600) {
      mutate(*c);
    } else if (r < 600 + static_cast<std::int64_t>(partitionP_ * 1000)) {
      if (c->partitioned || !c->connected()) return;
      c->partitioned = true;
      count("partitions");
      trace(c->id + " partitioned");
      goOffline(*c);
      Event e;
      e.kind = Event::Kind::PartitionEnd;
      e.client = c->index;
      e.at = now_ + rng_.uniform(200, 4000);
      push(std::move(e));
    } else if (r < 700 && r >= 700 - static_cast<std::int64_t>(crashP_ * 1000)) {
      if (c->armed != CrashMode::None) return;
      const std::int64_t mode = rng_.uniform(0, 2);
      if (mode == 0) {
        trace(c->id + " crashes between commits");
        count("crash.between");
        crash(*c, true);
      } else {
        c->armed = mode == 1 ? CrashMode::BeforePersist : CrashMode::AfterPersist;
      }
    } else if (r < 760) {
      resolveSomeConflict(*c);
    } else if (r < 790) {
      handleSomeDeadLetter(*c, false);
    }
  }

  json randomValue(const std::string& field) {
    if (field == "title") return chance(0.03) ? json("INVALID") : json(pick(std::vector<std::string>{"a", "b", "c", "d"}));
    if (field == "n") return rng_.uniform(0, 5);
    if (field == "done") return chance(0.5);
    if (field == "tags") {
      json tags = json::array();
      for (std::int64_t i = rng_.uniform(0, 2); i > 0; --i) tags.push_back(pick(std::vector<std::string>{"x", "y", "z"}));
      return tags;
    }
    if (field == "owner") return pick(std::vector<std::string>{"ann", "bob", "cy"});
    if (field == "color") return pick(std::vector<std::string>{"red", "blue", "green"});
    return rng_.uniform(0, 9);
  }

  json randomEntity() {
    json e = {{"title", randomValue("title")}, {"n", randomValue("n")}};
    if (chance(0.5)) e["done"] = randomValue("done");
    if (chance(0.5)) e["meta"] = {{"owner", randomValue("owner")}, {"color", randomValue("color")}};
    if (chance(0.3)) e["tags"] = randomValue("tags");
    return e;
  }

  static void setNested(json& patch, const char* outer, const char* inner, json value) {
    if (!patch.contains(outer) || !patch[outer].is_object()) patch[outer] = json::object();
    patch[outer][inner] = std::move(value);
  }

  json randomPatch(const json& entity, const std::vector<std::string>& ids) {
    json patch = json::object();
    for (std::int64_t i = rng_.uniform(1, 3); i > 0; --i) {
      switch (rng_.uniform(0, 9)) {
        case 0: case 1: patch["title"] = randomValue("title"); break;
        case 2: patch["n"] = randomValue("n"); break;
        case 3: patch["done"] = chance(0.2) ? json(nullptr) : randomValue("done"); break;
        case 4: setNested(patch, "meta", "owner", randomValue("owner")); break;
        case 5: setNested(patch, "meta", "color", chance(0.2) ? json(nullptr) : randomValue("color")); break;
        case 6: patch["tags"] = randomValue("tags"); break;
        case 7:
          if (chance(0.3)) patch["meta"] = chance(0.5) ? json(nullptr) : json("flat");
          else patch["x" + std::to_string(rng_.uniform(0, 2))] = randomValue("x");
          break;
        case 8:
          if (!ids.empty()) patch["ref"] = pick(ids);
          break;
        default:
          patch["n"] = num(entity, "n", 0) + 1;  // a read-modify-write, the classic lost update
          break;
      }
    }
    return patch;
  }

  void mutate(Client& c) {
    const auto& [collection, options] = pick(collections_);
    json view;
    c.core->list(collection, view);
    std::vector<std::string> ids;
    for (const json& e : view) {
      if (str(e, "id").empty()) fail(c.id + ": an entity of " + collection + " in the view has no id: " + e.dump());
      ids.push_back(str(e, "id"));
    }
    json request = {{"collection", collection}};
    const std::int64_t r = rng_.uniform(0, 99);
    std::string op;
    if (view.empty() || r < (view.size() > 8 ? 15 : 35)) {
      op = "create";
      json data = randomEntity();
      if (chance(0.1)) request["id"] = chance(0.5) ? "u-" + c.id + "-" + std::to_string(++explicitIds_)
                                                  : "shared-" + std::to_string(rng_.uniform(1, 3));
      if (!ids.empty() && chance(0.2)) data["ref"] = pick(ids);
      request["data"] = data;
    } else {
      const json& target = view[static_cast<std::size_t>(rng_.uniform(0, static_cast<std::int64_t>(view.size()) - 1))];
      request["id"] = str(target, "id");
      if (r < 85) {
        op = "update";
        json patch = randomPatch(target, ids);
        if (chance(0.3)) {
          json edited = target;
          edited.merge_patch(patch);
          request["data"] = edited;  // the edited entity, diffed against the view by the core
        } else {
          request["patch"] = patch;
        }
      } else {
        op = "delete";
      }
    }
    request["op"] = op;
    if (chance(0.6)) request["priority"] = pick(std::vector<std::string>{"low", "normal", "high", "critical"});
    if (chance(0.2))
      request["strategy"] = pick(std::vector<std::string>{"server-wins", "client-wins", "last-write-wins", "merge", "manual", "custom"});
    Commit commit;
    std::string mid;
    Status s = c.core->mutate(request, wall(c), commit, mid);
    if (!s) {
      if (s.code == syncore::ErrorCode::AlreadyExists) return;
      fail(c.id + ": mutate rejected " + request.dump() + ": " + s.message);
    }
    if (mid.empty()) {
      handleCommit(c, commit, {});
      return;
    }
    std::string entity = str(request, "id");
    if (entity.empty())
      for (const json& ev : toJsonList(commit.events))
        if (str(ev, "type") == "queued") entity = str(ev, "id");
    trace(c.id + " mutate " + mid + " " + request.dump());
    handleCommit(c, commit, {NewMut{mid, op, collection, entity, "workload"}});
  }

  json resolutionFor(const json& conflict) {
    const std::int64_t r = rng_.uniform(0, 2);
    if (r == 0) return {{"choice", "local"}};
    if (r == 1) return {{"choice", "remote"}};
    json value = conflict["remote"].is_object() ? conflict["remote"] : conflict["local"];
    if (!value.is_object() || chance(0.15)) return {{"choice", "merged"}, {"value", nullptr}};
    value["title"] = randomValue("title");
    if (chance(0.5)) value["n"] = randomValue("n");
    return {{"choice", "merged"}, {"value", value}};
  }

  bool resolveConflict(Client& c, const json& conflict) {
    const std::string cid = str(conflict, "id");
    json resolution = resolutionFor(conflict);
    Commit commit;
    std::string mid;
    Status s = c.core->resolveConflict(cid, resolution, wall(c), commit, mid);
    if (!s) {
      if (s.code == syncore::ErrorCode::AlreadyExists) {  // the entity was re-created meanwhile
        resolution = {{"choice", "remote"}};
        commit = Commit();
        s = c.core->resolveConflict(cid, resolution, wall(c), commit, mid);
      }
      if (!s) fail(c.id + ": resolveConflict " + cid + " " + resolution.dump() + ": " + s.message);
    }
    trace(c.id + " resolves " + cid + " with " + resolution.dump() + (mid.empty() ? "" : " -> " + mid));
    count("conflicts.resolved");
    std::vector<NewMut> fresh;
    if (!mid.empty()) {
      std::string kind = "update";
      for (const json& ev : toJsonList(commit.events))
        if (str(ev, "type") == "queued") kind = "resolution";
      fresh.push_back({mid, kind, str(conflict, "collection"), str(conflict, "entityId"), "resolution of " + cid});
    }
    if (!handleCommit(c, commit, fresh)) return false;
    for (const json& idj : conflict["mutationIds"]) {
      auto it = muts_.find(idj.get<std::string>());
      if (it != muts_.end()) it->second.resolved = true;
    }
    return true;
  }

  void resolveSomeConflict(Client& c) {
    json conflicts = c.core->conflicts();
    if (conflicts.empty()) return;
    resolveConflict(c, conflicts[static_cast<std::size_t>(rng_.uniform(0, static_cast<std::int64_t>(conflicts.size()) - 1))]);
  }

  // Retry (transient failures, a couple of times) or discard a dead letter.
  bool handleDeadLetter(Client& c, const json& dead, bool quiescing) {
    const auto seq = static_cast<std::uint64_t>(num(dead, "seq"));
    const bool validation = str(dead, "errorClass") == "validation";
    // A validation failure can be fixed by editing the change (a fresh key); others are retried.
    const bool edit = validation && str(dead, "kind") != "delete" && dead["data"].is_object() &&
                      c.deadRetries[seq] < 2 && chance(quiescing ? 0.5 : 0.4);
    const bool retry = edit || (!validation && c.deadRetries[seq] < 2 && (quiescing || chance(0.7)));
    const json before = c.core->deadLetters();
    Commit commit;
    Status s;
    if (edit) {
      json payload = dead["data"];
      if (payload.contains("title")) payload["title"] = randomValue("title");
      else payload["n"] = randomValue("n");
      s = c.core->editDeadLetter(seq, payload, wall(c), commit);
    } else {
      s = retry ? c.core->retryDeadLetter(seq, wall(c), commit) : c.core->discardDeadLetter(seq, wall(c), commit);
    }
    expectOk(s, c, edit ? "editDeadLetter" : retry ? "retryDeadLetter" : "discardDeadLetter");
    trace(c.id + (edit ? " edits" : retry ? " retries" : " discards") + " dead letter " + dead.dump());
    count(edit ? "dead.edited" : retry ? "dead.retried" : "dead.discarded");
    // Every dead letter that left went the same way (a create and its edits move together).
    std::set<std::uint64_t> still;
    for (const json& d : c.core->deadLetters()) still.insert(static_cast<std::uint64_t>(num(d, "seq")));
    if (still.count(seq) != 0) fail(c.id + ": dead letter " + std::to_string(seq) + " is still there");
    if (!handleCommit(c, commit, {})) return false;  // (the client may have crashed after writing it)
    for (const json& d : before) {
      const auto s = static_cast<std::uint64_t>(num(d, "seq"));
      if (still.count(s) != 0) continue;
      if (retry) ++c.deadRetries[s];
      for (const json& idj : d["mutationIds"]) {
        auto it = muts_.find(idj.get<std::string>());
        if (it == muts_.end()) fail(c.id + ": dead letter holds unknown mutation " + idj.dump());
        if (retry) ++it->second.retries;
        else it->second.discarded = true;
      }
    }
    return true;
  }

  void handleSomeDeadLetter(Client& c, bool quiescing) {
    json dead = c.core->deadLetters();
    if (dead.empty()) return;
    handleDeadLetter(c, dead[static_cast<std::size_t>(rng_.uniform(0, static_cast<std::int64_t>(dead.size()) - 1))], quiescing);
  }

  // ---- quiescence --------------------------------------------------------------------------------------

  void quiesce() {
    quiescing_ = true;
    quiesceStart_ = now_;
    trace("quiescence");
    for (auto& c : clients_) c->armed = CrashMode::None;
    for (int round = 0;; ++round) {
      if (round > 200) fail("no quiescence after 200 rounds of retries and resolutions");
      drainAll();
      bool acted = false;
      for (auto& cp : clients_) {
        Client& c = *cp;
        if (!c.up()) fail(c.id + " is still down after every event ran");
        bool mine = false;
        if (!c.connected()) {
          c.partitioned = false;
          goOnline(c);
          mine = true;
        }
        if (c.authPending) {
          Commit commit;
          expectOk(c.core->resumeQueue(wall(c), commit), c, "resumeQueue");
          handleCommit(c, commit, {});
          c.authPending = false;
          mine = true;
        }
        for (const json& conflict : c.core->conflicts()) {
          resolveConflict(c, conflict);
          mine = true;
        }
        for (json dead = c.core->deadLetters(); !dead.empty(); dead = c.core->deadLetters()) {
          handleDeadLetter(c, dead[0], true);
          mine = true;
        }
        if (!mine && !c.core->pendingMutations().empty())
          fail(c.id + " has pending mutations but nothing scheduled (stuck outbox): " + c.core->pendingMutations().dump());
        acted = acted || mine;
      }
      if (!acted) break;
    }
    for (auto& c : clients_) requestCatchup(*c, true);
    drainAll();
  }

  // ---- the checks ------------------------------------------------------------------------------------

  void checkFinal() {
    if (!server_.violations.empty()) fail("server saw a protocol violation: " + server_.violations.front());
    for (auto& cp : clients_) {
      Client& c = *cp;
      if (!c.core->pendingMutations().empty()) fail(c.id + ": pending after quiescence: " + c.core->pendingMutations().dump());
      if (!c.core->deadLetters().empty()) fail(c.id + ": dead letters after quiescence");
      if (!c.core->conflicts().empty()) fail(c.id + ": conflicts after quiescence");
      for (const auto& [name, options] : collections_) {
        json mine;
        c.core->list(name, mine);
        json theirs = server_.liveList(name);
        if (mine != theirs) fail(c.id + ": view of " + name + " differs from the server's: " + describeDiff(mine, theirs));
      }
      if (c.core->cursor() != server_.cursor)
        fail(c.id + ": cursor " + std::to_string(c.core->cursor()) + " != server cursor " + std::to_string(server_.cursor));
      checkStorage(c, "after quiescence");
      checkClock(c, "after quiescence");
      // A restart from the records gives back the same state.
      json before = snapshot(*c.core);
      auto restored = makeCore(c);
      Commit commit;
      expectOk(restored->restore(storedRecords(c), commit), c, "final restore");
      json after = snapshot(*restored);
      if (after != before) fail(c.id + ": restart from records differs: " + describeDiff(after, before));
    }
    checkFates();
    checkOrder();
    for (const auto& [key, n] : server_.applyCount)
      if (n > 1) fail("key " + key + " applied " + std::to_string(n) + " times");
    for (const auto& [temp, n] : server_.createsFromTempId)
      if (n > 1) fail("duplicate create: " + temp + " made " + std::to_string(n) + " server entities");
    count("server.entities", server_.liveCount());
    // Not a failure (a known limit, see the report): references to a temp id that went out before
    // that create's ack stay temp ids on the server.
    for (const auto& [name, entities] : server_.store)
      for (const auto& [id, e] : entities)
        if (!e.deleted && startsWith(str(e.data, "ref"), "tmp-")) count("server.danglingTempRefs");
    count("server.cursor", static_cast<std::uint64_t>(server_.cursor));
    count("server.clampedTimestamps", server_.clampedTs);
    count("events", events_);
  }

  static std::string describeDiff(const json& a, const json& b) {
    if (a.is_array() && b.is_array()) {
      std::map<std::string, json> ma, mb;
      for (const json& e : a) ma[str(e, "id")] = e;
      for (const json& e : b) mb[str(e, "id")] = e;
      for (const auto& [id, e] : ma) {
        auto it = mb.find(id);
        if (it == mb.end()) return "client has " + e.dump() + ", server does not";
        if (it->second != e) return "client has " + e.dump() + ", server has " + it->second.dump();
      }
      for (const auto& [id, e] : mb)
        if (ma.count(id) == 0) return "server has " + e.dump() + ", client does not";
    }
    return a.dump() + " vs " + b.dump();
  }

  int appliesOf(const MutRec& r) const {
    int n = 0;
    for (const std::string& key : r.keys) {
      auto it = server_.applyCount.find(key);
      if (it != server_.applyCount.end()) n += it->second;
    }
    return n;
  }

  void checkFates() {
    for (const auto& [mid, r] : muts_) {
      const int applies = appliesOf(r);
      const std::string where = "mutation " + mid + " (" + r.kind + " " + r.collection + "/" + r.entity + ", " + r.origin + ")";
      if (r.statuses.empty()) fail(where + " vanished: accepted, never settled, not pending (applied " + std::to_string(applies) + "x)");
      const std::string& last = r.statuses.back();
      if (applies > 1) fail(where + " applied " + std::to_string(applies) + " times");
      if (last == "acked") {
        if (applies != 1) fail(where + " was acked but the server applied it " + std::to_string(applies) + " times");
      } else if (last == "cancelled" || last == "merged" || last == "overridden") {
        if (applies != 0) fail(where + " settled " + last + " but the server applied it");
      } else if (last == "conflict") {
        if (!r.resolved) fail(where + " parked and never resolved");
        if (applies != 0) fail(where + " parked as a conflict but the server applied it");
      } else if (last == "dead-letter") {
        if (!r.discarded) fail(where + " dead-lettered and still neither retried nor discarded");
      } else {
        fail(where + " settled with unknown status " + last);
      }
      count("fate." + last);
    }
  }

  void checkOrder() {
    std::map<std::string, std::int64_t> lastNumber;  // "client/collection/id" -> highest number applied
    for (const ModelServer::Applied& a : server_.applied) {
      auto km = keyMuts_.find(a.key);
      if (km == keyMuts_.end()) fail("server applied key " + a.key + " that no client was seen sending");
      std::int64_t lo = INT64_MAX, hi = -1;
      bool exempt = false;
      for (const std::string& mid : km->second) {
        auto it = muts_.find(mid);
        if (it == muts_.end()) fail("key " + a.key + " carries unknown mutation " + mid);
        exempt = exempt || it->second.retries > 0;  // the app re-queued it out of order on purpose
        lo = std::min(lo, it->second.number);
        hi = std::max(hi, it->second.number);
      }
      const std::string entity = a.client + "/" + a.collection + "/" + a.id;
      auto prev = lastNumber.find(entity);
      if (!exempt && prev != lastNumber.end() && lo <= prev->second)
        fail("per-entity order broken on " + entity + ": " + a.key + " (mutations " + std::to_string(lo) + ".." +
             std::to_string(hi) + ") applied after mutation " + std::to_string(prev->second));
      if (!exempt) lastNumber[entity] = std::max(prev == lastNumber.end() ? -1 : prev->second, hi);
    }
  }

  std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&](const std::string& s) {
      for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
    };
    for (const auto& [name, entities] : server_.store)
      for (const auto& [id, e] : entities) mix(name + id + std::to_string(e.version) + e.data.dump());
    mix(std::to_string(server_.cursor) + "/" + std::to_string(now_) + "/" + std::to_string(events_));
    for (const auto& [k, v] : stats_) mix(k + std::to_string(v));
    return h;
  }

  std::uint64_t seed_;
  SimOptions options_;
  syncore::Prng rng_;
  std::int64_t now_ = 1'000'000;
  std::int64_t epoch_ = 0;  // real time at virtual 0, as the clocks (clients', server's) read it
  std::uint64_t nextOrder_ = 0, events_ = 0;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  ModelServer server_;
  ModelServer::Faults faults_;
  SimResolver resolver_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::pair<std::string, json>> collections_;
  std::map<std::string, MutRec> muts_;
  std::map<std::string, std::vector<std::string>> keyMuts_;
  std::map<std::string, std::uint64_t> stats_;
  double loss_ = 0, dup_ = 0, longDelay_ = 0, crashP_ = 0, partitionP_ = 0;
  std::int64_t delayMax_ = 50, batchTimeoutMs_ = 1000;
  int steps_ = 0;
  int explicitIds_ = 0;
  bool quiescing_ = false;
  std::int64_t quiesceStart_ = 0;
};

}  // namespace sim
