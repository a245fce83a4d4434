// A tiny seeded PRNG (xoshiro256**, seeded through splitmix64). The core must stay deterministic
// and simulable, so it never touches a system randomness source: every random choice (e.g. backoff
// jitter) comes from one of these, seeded by the caller and persisted with the state it drives.
#pragma once
#include <array>
#include <cstdint>

namespace syncore {

class Prng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Prng(std::uint64_t seed = 0) { reseed(seed); }

  // splitmix64 spreads any seed (even 0) over the whole state, which xoshiro needs non-zero.
  void reseed(std::uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      word = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [lo, hi], both inclusive; lo when hi < lo. Rejection sampling keeps it unbiased
  // (a plain modulo would favour small values for ranges that do not divide 2^64).
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + next());
    const std::uint64_t n = span + 1;
    const std::uint64_t reject = (0 - n) % n;  // 2^64 mod n: the biased low tail
    std::uint64_t x = next();
    while (x < reject) x = next();
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % n);
  }

  // The state is persisted so a restored core continues the same sequence.
  const State& state() const { return state_; }
  // False (state unchanged) for the all-zero state, on which xoshiro would only ever yield 0.
  bool setState(const State& state) {
    if ((state[0] | state[1] | state[2] | state[3]) == 0) return false;
    state_ = state;
    return true;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  State state_{};
};

}  // namespace syncore
