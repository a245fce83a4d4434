// The deterministic simulation (tests/native/sim/): seeded clients, a model server and a faulty
// network, checked after quiescence. SIM_SEEDS=N runs N seeds (default 500) starting at
// SIM_SEED_START (default 1); SIM_SEED=N runs exactly that seed; SIM_TRACE=1 narrates every step
// to stderr (use it with SIM_SEED); SIM_SCALE=P sets the workload length in percent (default 250
// in optimized builds, 100 in Debug: a seed replays exactly under the same scale); SIM_STATS=1
// prints what the seeds exercised; SIM_CLOCKS=skew gives every seed the skewed clocks (one client
// an hour behind, one an hour ahead, one at 2099) that every 4th seed has by default.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

// One namespace per test file: the unity build (tests/native in CMakeLists.txt) compiles several
// files as one, and their helpers share names.
namespace test_simulation {

namespace {

std::uint64_t envNumber(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoull(text, nullptr, 10);
}

bool envFlag(const char* name) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' && std::string(text) != "0";
}

}  // namespace

TEST_CASE("simulation: every seed converges with nothing lost, duplicated or reordered", "[sim][sim-seeds]") {
  std::uint64_t first = envNumber("SIM_SEED_START", 1);
  std::uint64_t count = envNumber("SIM_SEEDS", 500);
  if (std::getenv("SIM_SEED") != nullptr) {
    first = envNumber("SIM_SEED", 1);
    count = 1;
  }
  sim::SimOptions options;
  options.trace = envFlag("SIM_TRACE");
  options.skewAll = std::getenv("SIM_CLOCKS") != nullptr && std::string(std::getenv("SIM_CLOCKS")) == "skew";
  options.stepsScale = static_cast<int>(envNumber("SIM_SCALE", static_cast<std::uint64_t>(options.stepsScale)));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> failures;
  std::map<std::string, std::uint64_t> totals;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    sim::SimResult r = sim::Simulation(seed, options).run();
    for (const auto& [k, v] : r.stats) totals[k] += v;
    if (!r.ok) {
      std::string line = "simulation failed for seed " + std::to_string(seed) + ": " + r.reason;
      std::cerr << line << "\n";
      failures.push_back(line);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "simulation: " << count - failures.size() << "/" << count << " seeds passed (seeds " << first
            << ".." << first + count - 1 << ", SIM_SCALE=" << options.stepsScale << ") in " << seconds << " s"
            << (failures.empty() ? "" : "; replay one with SIM_SEED=<seed> SIM_TRACE=1 (same SIM_SCALE)") << "\n";
  if (envFlag("SIM_STATS"))
    for (const auto& [k, v] : totals) std::cerr << "  " << k << ": " << v << "\n";
  for (const std::string& f : failures) FAIL_CHECK(f);
  CHECK(failures.empty());
}

TEST_CASE("simulation: a seed replays identically", "[sim]") {
  for (std::uint64_t seed : {7u, 42u, 1234u}) {
    sim::SimResult a = sim::Simulation(seed).run();
    sim::SimResult b = sim::Simulation(seed).run();
    INFO("seed " << seed);
    CHECK(a.ok == b.ok);
    CHECK(a.reason == b.reason);
    CHECK(a.digest == b.digest);
    CHECK(a.stats == b.stats);
  }
}

TEST_CASE("simulation: clients an hour behind, an hour ahead and at 2099 converge with clamped clocks", "[sim][clock]") {
  sim::SimOptions options;
  options.skewAll = true;
  options.stepsScale = 100;
  std::map<std::string, std::uint64_t> totals;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    sim::SimResult r = sim::Simulation(seed, options).run();
    INFO("seed " << seed << " (replay: SIM_CLOCKS=skew SIM_SCALE=100 SIM_SEED=" << seed << ")");
    CHECK(r.reason == "");
    CHECK(r.ok);
    for (const auto& [k, v] : r.stats) totals[k] += v;
  }
  CHECK(totals["clocks.skewedSeeds"] == 24);
  // The 2099 client's writes reached the server and were clamped there.
  CHECK(totals["server.clampedTimestamps"] > 0);
}
}  // namespace test_simulation
