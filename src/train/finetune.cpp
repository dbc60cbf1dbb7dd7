#include "dbm/train/finetune.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/model/sampling.hpp"
#include "dbm/train/batches.hpp"
#include "epoch.hpp"
#include "dbm/train/optimizer.hpp"
#include "dbm/train/pretrain.hpp"
#include "dbm/train/streams.hpp"

namespace dbm::train {
namespace {

using detail::Clock;
using detail::seconds_since;

std::string dims_text(const std::vector<int>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? "-" : "") + std::to_string(dims[i]);
  return text;
}

}  // namespace

std::vector<Matrix> initial_particles(const model::Dbm& dbm, const RowMajorMatrix& data,
                                      const TrainConfig& config) {
  RandomStream rng(config.seed, stream_id(Purpose::kParticles, 0));
  const Index n_particles = config.particles;
  model::DbmWorkspace ws;
  ws.resize(dbm, n_particles);
  Matrix grey(n_particles, data.cols());
  for (Index i = 0; i < n_particles; ++i) {
    grey.row(i) = data.row(static_cast<Index>(rng.next_below(static_cast<std::uint64_t>(data.rows()))));
  }
  model::sample_bernoulli(grey, ws.layers[0], rng);
  model::mean_field(dbm, ws, config.mean_field_steps, config.mean_field_tolerance);
  std::vector<Matrix> particles(ws.layers.size());
  particles[0] = ws.layers[0];
  for (size_t l = 1; l < ws.layers.size(); ++l) {
    particles[l].resize(n_particles, dbm.layer_size(static_cast<Index>(l)));
    model::sample_bernoulli(ws.layers[l], particles[l], rng);
  }
  return particles;
}

void finetune(const RowMajorMatrix& data, const TrainConfig& config, TrainingState& state,
              TrainingObserver& observer) {
  if (!state.dbm_started) {
    state.dbm = compose_dbm(state.stack);
    state.particles = initial_particles(state.dbm, data, config);
    state.dbm_delta_w.clear();
    state.dbm_delta_a.clear();
    for (Index l = 0; l <= state.dbm.n_layers(); ++l) {
      state.dbm_delta_a.push_back(Vector::Zero(state.dbm.layer_size(l)));
      if (l > 0) {
        state.dbm_delta_w.push_back(
            Matrix::Zero(state.dbm.layer_size(l - 1), state.dbm.layer_size(l)));
      }
    }
    state.examples_seen = 0;
    state.progress = PhaseProgress{};
    state.dbm_started = true;
  }
  model::Dbm& dbm = state.dbm;
  PhaseProgress& at = state.progress;
  const Index L = dbm.n_layers();
  const Index n_examples = data.rows();
  const Index batch_size = std::min<Index>(config.batch_size, n_examples);
  const int n_epochs = config.effective_finetune_epochs();
  const Index n_particles = state.particles[0].rows();

  observer.on_phase_start(std::string(kJointPhaseTitle) + " (" + dims_text(dbm.dimensions()) + "): " +
                          std::to_string(n_epochs) + " epochs, " +
                          std::to_string(n_particles) + " particles x " +
                          std::to_string(config.k2) + " sweeps, up to " +
                          std::to_string(config.mean_field_steps) + " mean-field steps" +
                          (at.epochs_done > 0 || at.batches_done > 0
                               ? ", resuming at epoch " + std::to_string(at.epochs_done + 1)
                               : std::string()));

  RandomStream shuffle_rng(config.seed, stream_id(Purpose::kShuffle, 0));
  RandomStream sample_rng(config.seed, stream_id(Purpose::kSample, 0));
  sample_rng.set_counter(at.sample_counter);

  model::DbmWorkspace data_ws;   // mean-field state of the batch
  model::DbmWorkspace chain_ws;  // the persistent particles
  chain_ws.resize(dbm, n_particles);
  for (Index l = 0; l <= L; ++l) chain_ws.layers[l] = state.particles[l];
  std::vector<Vector> grad_a;
  for (Index l = 0; l <= L; ++l) grad_a.push_back(Vector::Zero(dbm.layer_size(l)));
  Matrix reconstruction;
  std::vector<Index> order;
  // Negative statistics: even layers as sampled, odd layers as the probabilities
  // they were sampled from (Rao-Blackwellisation), so point at the right buffer.
  auto negative = [&](Index l) -> const Matrix& {
    return (l % 2 == 1) ? chain_ws.scratch[l] : chain_ws.layers[l];
  };
  auto save_particles = [&] {
    for (Index l = 0; l <= L; ++l) state.particles[l] = chain_ws.layers[l];
  };
  auto learning_rate = [&] {
    const double decay = std::pow(static_cast<double>(config.finetune_learning_rate_decay),
                                  -static_cast<double>(state.examples_seen) / 100.0);
    return std::max(static_cast<float>(config.finetune_learning_rate * decay),
                    config.finetune_learning_rate_floor);
  };

  for (int epoch = at.epochs_done; epoch < n_epochs; ++epoch) {
    const float momentum = momentum_for_epoch(epoch, config.momentum_switch_epoch,
                                              config.initial_momentum, config.final_momentum);
    const auto epoch_start = Clock::now();
    const double seconds_before = at.epoch_seconds;
    if (at.batches_done == 0) at.shuffle_counter_at_epoch_start = at.shuffle_counter;
    shuffle_rng.set_counter(at.shuffle_counter_at_epoch_start);
    shuffle_order(n_examples, shuffle_rng, order);
    at.shuffle_counter = shuffle_rng.counter();
    float lr = learning_rate();

    for (Index begin = at.batches_done * batch_size; begin < n_examples; begin += batch_size) {
      const Index rows = std::min(batch_size, n_examples - begin);
      if (data_ws.batch_size() != rows) data_ws.resize(dbm, rows);
      gather_rows(data, order, begin, rows, data_ws.layers[0]);
      if (config.binarize_data) model::binarize_inplace(data_ws.layers[0], sample_rng);
      lr = learning_rate();

      at.mean_field_steps +=
          model::mean_field(dbm, data_ws, config.mean_field_steps, config.mean_field_tolerance);
      for (int sweep = 0; sweep < config.k2; ++sweep) model::gibbs_sweep(dbm, chain_ws, sample_rng);

      // Monitored: mean-field reconstruction error |V - sigma(mu_1 W_1^T + b)|^2.
      if (reconstruction.rows() != rows) reconstruction.resize(rows, dbm.layer_size(0));
      model::compute_layer({{&data_ws.layers[1], &dbm.weights[0], true}}, dbm.biases[0], 1.0f,
                           reconstruction);
      at.squared_error += (data_ws.layers[0] - reconstruction).squaredNorm();

      const float pos_scale = lr / static_cast<float>(rows);
      const float neg_scale = lr / static_cast<float>(n_particles);
      for (Index l = 0; l <= L; ++l) {
        grad_a[l] = data_ws.layers[l].colwise().mean().transpose() -
                    negative(l).colwise().mean().transpose();
      }
      bool finite = true;
      for (Index l = 1; l <= L && finite; ++l) {
        finite = momentum_update(dbm.weights[l - 1], state.dbm_delta_w[l - 1], momentum, lr,
                                 config.finetune_weight_decay,
                                 {{&data_ws.layers[l - 1], &data_ws.layers[l], pos_scale},
                                  {&negative(l - 1), &negative(l), -neg_scale}});
      }
      for (Index l = 0; l <= L && finite; ++l) {
        finite = update_bias(dbm.biases[l], state.dbm_delta_a[l], grad_a[l], momentum, lr);
      }
      if (!finite) {
        throw DivergenceError("joint DBM training diverged (NaN or infinite parameters) in epoch " +
                              std::to_string(epoch + 1) +
                              "; try a smaller --finetune-learning-rate than " +
                              detail::rate_text(config.finetune_learning_rate));
      }
      state.examples_seen += rows;
      ++at.batches_done;
      at.sample_counter = sample_rng.counter();

      BatchProgress progress;
      progress.phase = "finetune";
      progress.epoch = epoch + 1;
      progress.n_epochs = n_epochs;
      progress.examples_done = begin + rows;
      progress.examples_total = n_examples;
      progress.epoch_seconds = seconds_before + seconds_since(epoch_start);
      progress.learning_rate = lr;
      observer.on_batch(progress);
      if (observer.stop_requested() && begin + rows < n_examples) {
        save_particles();
        at.epoch_seconds = progress.epoch_seconds;
        observer.on_checkpoint(state);
        throw Interrupted("stopped in joint training, epoch " + std::to_string(epoch + 1));
      }
    }
    save_particles();

    bool within = true;
    for (const Matrix& w : dbm.weights) within = within && detail::within_magnitude(w);
    for (const Vector& a : dbm.biases) within = within && detail::within_magnitude(a);
    if (!within) {
      throw DivergenceError("joint DBM training diverged (parameters beyond 1e6 in size) in epoch " +
                            std::to_string(epoch + 1) +
                            "; try a smaller --finetune-learning-rate than " +
                            detail::rate_text(config.finetune_learning_rate));
    }

    io::EpochMetrics metrics;
    metrics.phase = "finetune";
    metrics.epoch = epoch + 1;
    metrics.learning_rate = lr;
    metrics.mean_field_iterations = at.mean_field_steps / static_cast<double>(at.batches_done);
    detail::close_epoch(state, observer, metrics, n_examples,
                        seconds_before + seconds_since(epoch_start));
    observer.on_checkpoint(state);
    if (observer.stop_requested() && at.epochs_done < n_epochs) {
      throw Interrupted("stopped after joint training epoch " + std::to_string(epoch + 1));
    }
  }
}

}  // namespace dbm::train
