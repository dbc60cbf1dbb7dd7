#pragma once
// Internal to src/train/: the bookkeeping both trainers share at the end of an epoch.

#include <chrono>
#include <string>

#include <spdlog/fmt/fmt.h>

#include "dbm/core/error.hpp"
#include "dbm/train/observer.hpp"
#include "dbm/train/state.hpp"

namespace dbm::train::detail {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Completes `metrics` (phase, layer, epoch, learning rate and mean-field steps set by
// the caller) from the epoch's sums in state.progress and its wall time, records it
// in state.metrics, reports it, and resets the per-epoch sums for the next epoch.
inline void close_epoch(TrainingState& state, TrainingObserver& observer,
                        io::EpochMetrics metrics, Index n_examples, double seconds) {
  PhaseProgress& at = state.progress;
  metrics.reconstruction_error = at.squared_error / static_cast<double>(n_examples);
  metrics.seconds = seconds;
  metrics.examples_per_second = static_cast<double>(n_examples) / seconds;
  state.metrics.push_back(metrics);
  observer.on_epoch_end(metrics);
  ++at.epochs_done;
  at.batches_done = 0;
  at.squared_error = 0.0;
  at.mean_field_steps = 0.0;
  at.epoch_seconds = 0.0;
}

// Finite parameters this large have diverged too: an input of 30 already saturates
// the sigmoid in float32, and no trained model comes near 1e6. (--learning-rate 1e6
// at batch 100 on a 784-20-10 stack left |W| near 1e32 without a NaN.)
inline constexpr float kDivergedMagnitude = 1e6f;

// True if every entry of every argument (Eigen matrices or vectors) is at most
// kDivergedMagnitude in size (NaN is not).
template <typename... Parameters>
bool within_magnitude(const Parameters&... parameters) {
  return ((parameters.size() == 0 || parameters.cwiseAbs().maxCoeff() <= kDivergedMagnitude) && ...);
}

// The learning rate as a user would type it (1e+06, 0.05), for divergence messages.
inline std::string rate_text(float rate) { return fmt::format("{:g}", rate); }

}  // namespace dbm::train::detail
