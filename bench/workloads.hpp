#pragma once
// The engine's training throughput, measured through the library's own entry points
// (dbm::train::pretrain_rbm, dbm::train::finetune, dbm::eval::ais_log_partition) on
// real MNIST, with an observer that does nothing while training runs (issue 6).
//
// Each workload trains on the first `n_examples` training images (all 60,000 in a
// full run, a subset with --quick) for one epoch and is timed from the end of the
// trainer's set-up (its on_phase_start) to its return, so the figure covers every
// mini-batch and every per-epoch step. seconds_per_epoch scales that to a 60,000
// example epoch.
//
// Every workload checks that it really trained before its figure is reported: the
// parameters after training must be finite and differ from those at the start
// (AIS: a finite log Z and log weights that differ between runs). A failed check
// throws SanityError, so a broken engine cannot report a fast number.

#include <stdexcept>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"

namespace dbm::bench {

// An MNIST epoch, the unit of seconds_per_epoch.
inline constexpr Index kEpochExamples = 60000;

class SanityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WorkloadResult {
  std::string name;         // e.g. "rbm_cd1_b100"
  std::string description;  // e.g. "RBM 784-500 CD-1, batch 100"
  Index batch_size = 0;
  Index examples = 0;       // examples processed in the timed region
  double seconds = 0.0;     // the timed region
  double seconds_per_epoch = 0.0;  // seconds * 60,000 / examples
  double examples_per_s = 0.0;
  double flops_per_example = 0.0;  // flops.hpp
  double gflops = 0.0;             // examples_per_s * flops_per_example / 1e9
  // Sanity: largest |parameter after - before| and whether everything is finite.
  double max_abs_change = 0.0;
  bool finite = false;
  // Joint training: mean-field steps per batch actually run. AIS: the estimate.
  double mean_field_steps = 0.0;
  Index ais_runs = 0, ais_betas = 0;
  double betas_per_s = 0.0;
  double log_z = 0.0;
};

// RBM `n_visible`-500 CD-1 at `batch_size` (learning rate 0.05, the recommended
// recipe), one epoch over data.topRows(n_examples).
WorkloadResult bench_rbm_cd1(const RowMajorMatrix& data, int n_hidden, int batch_size,
                             Index n_examples, const std::string& name);

// Joint training of a DBM with layer sizes `dims` (dims[0] = data width) at batch
// 100, 10 mean-field steps (the tolerance set to 0 so that all 10 always run, as in
// the workload's definition), 100 particles, 5 sweeps per update, one epoch over
// data.topRows(n_examples). The DBM starts from a stack pretrained (untimed, one
// CD-1 epoch per RBM with --k3 0) on data.topRows(n_pretrain). The trained DBM is
// returned in `trained` for bench_ais.
WorkloadResult bench_dbm_joint(const RowMajorMatrix& data, const std::vector<int>& dims,
                               Index n_pretrain, Index n_examples, model::Dbm& trained);

// AIS with 100 runs and `n_betas` inverse temperatures (piecewise-linear schedule,
// base-rate base model of `data`) on `dbm`. examples_per_s counts chain steps
// (runs x betas per second); betas_per_s is the figure for the 100 runs together.
WorkloadResult bench_ais(const model::Dbm& dbm, const RowMajorMatrix& data, Index n_betas);

}  // namespace dbm::bench
