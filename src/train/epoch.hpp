#pragma once
// Internal to src/train/: the bookkeeping both trainers share at the end of an epoch.

#include <chrono>

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

}  // namespace dbm::train::detail
