#pragma once
// TrainingObserver: the engine's only output channel. The trainers report progress
// and per-epoch metrics through it and never print; the CLI plugs in a reporter
// that draws the progress line and writes the log.

#include <string>

#include "dbm/core/types.hpp"
#include "dbm/io/model_file.hpp"
#include "dbm/train/state.hpp"

namespace dbm::train {

// Where training is, reported after every mini-batch.
struct BatchProgress {
  const char* phase = "";     // "pretrain" or "finetune"
  int layer = 0;              // pretraining: RBM 1..L; fine-tuning: 0
  int epoch = 0;              // 1-based
  int n_epochs = 0;
  Index examples_done = 0;    // in this epoch
  Index examples_total = 0;   // per epoch
  double epoch_seconds = 0.0; // elapsed in this epoch
  double learning_rate = 0.0;
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // A phase begins: `description` says what is trained, e.g. "RBM 1 (784-500, CD-1/PCD-5)".
  virtual void on_phase_start(const std::string& /*description*/) {}
  virtual void on_batch(const BatchProgress& /*progress*/) {}
  virtual void on_epoch_end(const io::EpochMetrics& /*metrics*/) {}
  // Polled after every mini-batch; true stops training: the trainer then reports
  // the state through on_checkpoint and throws dbm::Interrupted.
  virtual bool stop_requested() { return false; }
  // The complete state after every epoch of every phase (and at a stop), for
  // writing a checkpoint that --resume continues from.
  virtual void on_checkpoint(const TrainingState& /*state*/) {}
  // A remark worth logging (e.g. "k3 > 0 trains the next layer on reconstructions").
  virtual void on_note(const std::string& /*text*/) {}
};

}  // namespace dbm::train
