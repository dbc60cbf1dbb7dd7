#include "dbm/core/random.hpp"

#include <cmath>
#include <numbers>
#include <random>

#include "dbm/core/linalg.hpp"

namespace dbm {
namespace {

using random_detail::kGolden;
using random_detail::mix64;
using random_detail::to_unit_float;
// Numbers are produced in fixed chunks so that the OpenMP split never depends on
// the thread count (the values do not depend on it either way, but this keeps
// the loop boundaries identical too).
constexpr Index kChunk = 1 << 14;

__extension__ using Uint128 = unsigned __int128;

}  // namespace

RandomStream::RandomStream(std::uint64_t seed, std::uint64_t stream)
    : key_(mix64(seed ^ mix64(stream + kGolden))), counter_(0) {}

void RandomStream::fill_uniform(float* out, Index n) {
  const std::uint64_t base = counter_;
  const std::uint64_t key = key_;
  const Index n_chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (n_chunks > 1)
  for (Index c = 0; c < n_chunks; ++c) {
    const Index begin = c * kChunk;
    const Index end = std::min(n, begin + kChunk);
    for (Index i = begin; i < end; ++i) {
      out[i] = to_unit_float(mix64(key + (base + static_cast<std::uint64_t>(i)) * kGolden));
    }
  }
  counter_ += static_cast<std::uint64_t>(n);
}

void RandomStream::fill_normal(float* out, Index n) {
  for (Index i = 0; i < n; ++i) {
    // 1 - u lies in (0, 1], so the log is finite.
    const double u1 = 1.0 - to_unit_float(next_u64());
    const double u2 = to_unit_float(next_u64());
    out[i] = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) *
                                std::cos(2.0 * std::numbers::pi * u2));
  }
}

std::uint64_t RandomStream::next_u64() { return mix64(key_ + (counter_++) * kGolden); }

std::uint64_t RandomStream::next_below(std::uint64_t bound) {
  return static_cast<std::uint64_t>((static_cast<Uint128>(next_u64()) * bound) >> 64);
}

std::uint64_t random_seed_from_os() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace dbm
