#pragma once
// The whole training job of SPEC §4: greedy pretraining of the RBM stack, composition
// into a DBM, then joint training. The caller owns data loading and file output.

#include <vector>

#include "dbm/model/dbm.hpp"
#include "dbm/train/config.hpp"
#include "dbm/train/observer.hpp"
#include "dbm/train/state.hpp"

namespace dbm::train {

struct TrainingResult {
  model::Dbm dbm;
  std::vector<Matrix> particles;  // L+1 matrices, P x N_l: the persistent fantasy particles
  std::vector<io::EpochMetrics> metrics;
};

// Trains a DBM with layer sizes config.dimensions on `data` (N x dimensions[0],
// values in [0,1]). `config` must be validated and carry its seed. With `resume`,
// continues from that state (a checkpoint of a run with the same config and data)
// and ends with the same bits as an uninterrupted run. Throws UsageError if the
// data width disagrees with the dimensions, DivergenceError on NaN, Interrupted
// when the observer asks to stop.
TrainingResult train_model(const TrainConfig& config, const RowMajorMatrix& data,
                           TrainingObserver& observer, TrainingState* resume = nullptr);

}  // namespace dbm::train
