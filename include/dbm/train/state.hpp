#pragma once
// TrainingState: everything a training run needs to continue exactly where it
// stopped (issue 7). The trainers keep all their persistent state here — the
// parameters, the momentum increments, the persistent chains, the position in the
// schedule down to the mini-batch, the RNG counters and the metrics so far — so a
// checkpoint is this struct written to disk, and a resumed run draws the same random
// numbers and ends with the same bits as an uninterrupted one.

#include <cstdint>
#include <vector>

#include "dbm/io/model_file.hpp"
#include "dbm/model/dbm.hpp"
#include "dbm/model/rbm.hpp"

namespace dbm::train {

// Position inside the current phase (one RBM's pretraining, or joint training).
struct PhaseProgress {
  int epochs_done = 0;          // completed epochs of this phase
  Index batches_done = 0;       // completed mini-batches of the current epoch
  std::uint64_t shuffle_counter_at_epoch_start = 0;  // regenerates the epoch's order
  std::uint64_t shuffle_counter = 0;                 // shuffle stream after the last shuffle
  std::uint64_t sample_counter = 0;                  // sampling stream position
  double squared_error = 0.0;   // partial sums of the current epoch's metrics
  double mean_field_steps = 0.0;
  double epoch_seconds = 0.0;   // time spent in the current epoch before a stop
};

struct TrainingState {
  // The phase: RBM `layer` (1..L) is being pretrained; layer == L + 1 means the stack
  // is complete and joint training is running (or about to start).
  int layer = 1;
  PhaseProgress progress;

  // Pretraining.
  std::vector<model::Rbm> stack;  // finished RBMs 1..layer-1
  bool rbm_started = false;       // rbm below is initialised
  model::Rbm rbm;                 // the RBM being trained
  Matrix rbm_delta_w;             // its momentum increments
  Vector rbm_delta_b, rbm_delta_c;
  Matrix chain_v, chain_h;        // its PCD chains (empty before the PCD epochs)

  // Joint training.
  bool dbm_started = false;
  model::Dbm dbm;
  std::vector<Matrix> particles;  // L+1 matrices P x N_l
  std::vector<Matrix> dbm_delta_w;
  std::vector<Vector> dbm_delta_a;
  std::int64_t examples_seen = 0;

  std::vector<io::EpochMetrics> metrics;

  bool finished(int n_layers, int finetune_epochs) const {
    return layer > n_layers && (finetune_epochs == 0 || progress.epochs_done >= finetune_epochs);
  }
};

}  // namespace dbm::train
