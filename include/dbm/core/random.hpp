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

class RandomStream {
 public:
  RandomStream() = default;
  // `stream` separates independent purposes (shuffling, sampling, initialisation)
  // that share one seed.
  RandomStream(std::uint64_t seed, std::uint64_t stream);

  // Fills out[0..n) with uniforms in [0, 1) (24-bit resolution) and advances the
  // counter by n. Parallel over fixed chunks; result independent of thread count.
  void fill_uniform(float* out, Index n);

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
