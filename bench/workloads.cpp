#include "workloads.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"
#include "dbm/eval/ais.hpp"
#include "dbm/train/config.hpp"
#include "dbm/train/finetune.hpp"
#include "dbm/train/observer.hpp"
#include "dbm/train/pretrain.hpp"
#include "dbm/train/state.hpp"
#include "dbm/train/streams.hpp"
#include "flops.hpp"

namespace dbm::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Weights and biases of either phase, held in a Dbm for comparison.
model::Dbm parameters_of(const model::Rbm& rbm) {
  model::Dbm p;
  p.weights = {rbm.weights};
  p.biases = {rbm.visible_bias, rbm.hidden_bias};
  return p;
}

// No output at all; at the start of the phase it copies the parameters the trainer
// has just initialised (the reference for the sanity check) and starts the clock.
class TimingObserver : public train::TrainingObserver {
 public:
  explicit TimingObserver(const train::TrainingState& state) : state_(state) {}

  void on_phase_start(const std::string& /*description*/) override {
    before_ = state_.dbm_started ? state_.dbm : parameters_of(state_.rbm);
    start_ = Clock::now();
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  const model::Dbm& before() const { return before_; }

 private:
  const train::TrainingState& state_;
  model::Dbm before_;
  Clock::time_point start_ = Clock::now();
};

// Fills result.finite and result.max_abs_change, then throws unless training left
// finite parameters that moved.
void check_trained(const model::Dbm& before, const model::Dbm& after, WorkloadResult& result) {
  result.finite = after.all_finite();
  double change = 0.0;
  bool every_layer_moved = before.weights.size() == after.weights.size();
  for (size_t l = 0; every_layer_moved && l < after.weights.size(); ++l) {
    const double c = (after.weights[l] - before.weights[l]).cwiseAbs().maxCoeff();
    every_layer_moved = c > 0.0;
    change = std::max(change, c);
  }
  result.max_abs_change = change;
  if (!result.finite) {
    throw SanityError(result.name + ": training left non-finite parameters");
  }
  if (!every_layer_moved || !(change > 1e-6)) {
    throw SanityError(result.name + ": the weights did not change (largest change " +
                      std::to_string(change) + "): nothing was trained");
  }
}

void finish(WorkloadResult& r) {
  r.examples_per_s = static_cast<double>(r.examples) / r.seconds;
  r.seconds_per_epoch = r.seconds * static_cast<double>(kEpochExamples) /
                        static_cast<double>(r.examples);
  r.gflops = r.examples_per_s * r.flops_per_example / 1e9;
}

train::TrainConfig base_config(const std::vector<int>& dims, int batch_size) {
  train::TrainConfig config;
  config.dimensions = dims;
  config.batch_size = batch_size;
  config.epochs = 1;  // one CD-1 epoch (the first ceil(epochs/2) epochs are CD)
  config.learning_rate = 0.05f;
  config.k1 = 1;
  config.k2 = 5;
  config.k3 = 0;
  config.finetune_epochs = 1;
  config.finetune_learning_rate = 0.001f;
  config.particles = 100;
  config.mean_field_steps = 10;
  config.mean_field_tolerance = 0.0f;  // always the full 10 steps
  config.seed = 1;
  config.threads = thread_count();
  config.validate();
  return config;
}

std::string dims_text(const std::vector<int>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) text += '-';
    text += std::to_string(dims[i]);
  }
  return text;
}

}  // namespace

WorkloadResult bench_rbm_cd1(const RowMajorMatrix& data, int n_hidden, int batch_size,
                             Index n_examples, const std::string& name) {
  const std::vector<int> dims{static_cast<int>(data.cols()), n_hidden};
  const train::TrainConfig config = base_config(dims, batch_size);
  const RowMajorMatrix subset = data.topRows(std::min(n_examples, data.rows()));

  train::TrainingState state;
  TimingObserver observer(state);
  train::pretrain_rbm(subset, config, state, observer);
  WorkloadResult r;
  r.seconds = observer.seconds();
  r.name = name;
  r.description = "RBM " + dims_text(dims) + " CD-1, batch " + std::to_string(batch_size);
  r.batch_size = batch_size;
  r.examples = subset.rows();
  r.flops_per_example = rbm_cd1_flops_per_example(dims[0], dims[1]);
  check_trained(observer.before(), parameters_of(state.stack.back()), r);
  finish(r);
  return r;
}

WorkloadResult bench_dbm_joint(const RowMajorMatrix& data, const std::vector<int>& dims,
                               Index n_pretrain, Index n_examples, model::Dbm& trained) {
  const int batch_size = 100;
  const train::TrainConfig config = base_config(dims, batch_size);
  const int n_layers = static_cast<int>(dims.size()) - 1;

  // The stack, as train_model builds it (untimed).
  train::TrainingState state;
  {
    const RowMajorMatrix pretrain_data = data.topRows(std::min(n_pretrain, data.rows()));
    train::TrainingObserver quiet;
    RowMajorMatrix layer_data;
    for (int layer = 1; layer <= n_layers; ++layer) {
      const RowMajorMatrix& input = layer == 1 ? pretrain_data : layer_data;
      train::pretrain_rbm(input, config, state, quiet);
      if (layer < n_layers) {
        RandomStream rng(config.seed, train::stream_id(train::Purpose::kTransfer, layer));
        layer_data = train::propagate_up(state.stack.back(), input, config.k3, rng);
      }
    }
  }

  const RowMajorMatrix subset = data.topRows(std::min(n_examples, data.rows()));
  TimingObserver observer(state);
  train::finetune(subset, config, state, observer);
  WorkloadResult r;
  r.seconds = observer.seconds();
  r.name = "dbm_joint_b100";
  r.description = "DBM " + dims_text(dims) + " joint training, batch 100, " +
                  std::to_string(config.mean_field_steps) + " mean-field steps, " +
                  std::to_string(config.particles) + " particles x " +
                  std::to_string(config.k2) + " sweeps";
  r.batch_size = batch_size;
  r.examples = subset.rows();
  r.mean_field_steps = state.metrics.back().mean_field_iterations;
  r.flops_per_example = dbm_joint_flops_per_example(dims, batch_size, config.particles,
                                                    config.k2, r.mean_field_steps);
  check_trained(observer.before(), state.dbm, r);
  finish(r);
  trained = state.dbm;
  return r;
}

WorkloadResult bench_ais(const model::Dbm& dbm, const RowMajorMatrix& data, Index n_betas) {
  eval::AisOptions options;
  options.n_runs = 100;
  options.n_betas = n_betas;
  options.seed = 1;
  options.base_visible_bias = eval::base_rate_visible_bias(data);

  const auto start = Clock::now();
  const eval::AisResult ais = eval::ais_log_partition(dbm, options);
  WorkloadResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.name = "dbm_ais";
  r.description = "AIS on the DBM " + dims_text(dbm.dimensions()) + ", " +
                  std::to_string(options.n_runs) + " runs x " + std::to_string(n_betas) +
                  " betas";
  r.batch_size = options.n_runs;
  r.ais_runs = options.n_runs;
  r.ais_betas = n_betas;
  r.examples = options.n_runs * n_betas;
  r.examples_per_s = static_cast<double>(r.examples) / r.seconds;
  r.betas_per_s = static_cast<double>(n_betas) / r.seconds;
  r.seconds_per_epoch = std::numeric_limits<double>::quiet_NaN();  // no epochs in AIS
  r.flops_per_example = ais_flops_per_chain_beta(dbm.dimensions());
  r.gflops = r.examples_per_s * r.flops_per_example / 1e9;
  r.log_z = ais.log_z;
  r.finite = std::isfinite(ais.log_z) && ais.log_weights.allFinite();
  r.max_abs_change = ais.log_weights.maxCoeff() - ais.log_weights.minCoeff();
  if (!r.finite) throw SanityError("dbm_ais: the log Z estimate is not finite");
  if (!(r.max_abs_change > 0.0)) {
    throw SanityError("dbm_ais: every run has the same log weight: the chains did not move");
  }
  return r;
}

}  // namespace dbm::bench
