#pragma once
// Counter-based random numbers.
//
// The i-th number drawn from a stream is a pure function of (seed, stream id, i):
// a SplitMix64-style finaliser applied to the counter. Filling a matrix in parallel
// therefore gives the same bits whatever the number of threads, which is what makes
// `--seed` reproduce a model bit for bit at any `--threads` (SPEC §4).

#include <cstdint>

#include "dbm/core/types.hpp"

namespace dbm {

namespace random_detail {
inline constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// SplitMix64's finaliser: a bijective 64-bit mix with good avalanche.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Top 24 bits as a float in [0, 1): exactly representable, never 1.
inline float to_unit_float(std::uint64_t bits) {
  return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
}
}  // namespace random_detail

class RandomStream {
 public:
  RandomStream() = default;
  // `stream` separates independent purposes (shuffling, sampling, initialisation)
  // that share one seed.
  RandomStream(std::uint64_t seed, std::uint64_t stream);

  // Fills out[0..n) with uniforms in [0, 1) (24-bit resolution) and advances the
  // counter by n. Parallel over fixed chunks; result independent of thread count.
  void fill_uniform(float* out, Index n);

  // The uniform that fill_uniform would write at position `offset` of a fill that
  // starts at counter `base`: lets fused loops draw in any order yet reproduce
  // fill_uniform exactly. Use with counter() and advance().
  float uniform_at(std::uint64_t base, std::uint64_t offset) const {
    return random_detail::to_unit_float(
        random_detail::mix64(key_ + (base + offset) * random_detail::kGolden));
  }
  void advance(std::uint64_t n) { counter_ += n; }

  // Standard normal variates (Box-Muller on two uniforms), advancing by 2n.
  void fill_normal(float* out, Index n);

  // One 64-bit draw; for sequential uses such as shuffling.
  std::uint64_t next_u64();

  // Uniform integer in [0, bound), bound > 0 (Lemire's multiply-shift; the tiny bias
  // for bounds far below 2^64 is irrelevant here).
  std::uint64_t next_below(std::uint64_t bound);

  std::uint64_t key() const { return key_; }
  std::uint64_t counter() const { return counter_; }
  void set_counter(std::uint64_t counter) { counter_ = counter; }

  template <class Archive>
  void serialize(Archive& archive) {
    archive(key_, counter_);
  }

 private:
  std::uint64_t key_ = 0;
  std::uint64_t counter_ = 0;
};

// Derives a fresh seed from the operating system, for runs without --seed.
std::uint64_t random_seed_from_os();

}  // namespace dbm
