#pragma once
// Stream ids: every random purpose of a run draws from its own counter-based
// stream of the run's seed, so adding draws to one purpose never shifts another.

#include <cstdint>

namespace dbm::train {

enum class Purpose : std::uint64_t {
  kInit = 1,
  kShuffle = 2,
  kSample = 3,
  kTransfer = 4,
  kParticles = 5,
  kBinarize = 6,
};

// Stream id of `purpose` for pretraining layer `layer` (0 for fine-tuning).
inline std::uint64_t stream_id(Purpose purpose, int layer) {
  return static_cast<std::uint64_t>(purpose) * 1000 + static_cast<std::uint64_t>(layer);
}

}  // namespace dbm::train
