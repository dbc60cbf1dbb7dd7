#include "dbm/train/pretrain.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include "dbm/core/error.hpp"
#include "dbm/train/state.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/small_batch.hpp"
#include "dbm/model/sampling.hpp"
#include "dbm/train/batches.hpp"
#include "epoch.hpp"
#include "dbm/train/optimizer.hpp"
#include "dbm/train/streams.hpp"

namespace dbm::train {
namespace {

using detail::Clock;
using detail::seconds_since;

// Every buffer of one RBM's training loop, allocated once.
struct RbmBuffers {
  Matrix v0, h0p, h, vp, v, hp;           // batch rows (CD, and the positive phase of PCD)
  Matrix next_v0, next_input;             // CD at small batches: the next batch, and v0 W for it
  Matrix chain_v, chain_vp, chain_h, chain_hp;  // persistent chains (PCD)
  Vector grad_b, grad_c;

  RbmBuffers(Index n_visible, Index n_hidden, Index n_chains)
      : chain_v(n_chains, n_visible), chain_vp(n_chains, n_visible),
        chain_h(n_chains, n_hidden), chain_hp(n_chains, n_hidden),
        grad_b(n_visible), grad_c(n_hidden) {}

  // Batch-shaped buffers follow the batch size (changes only for the last partial batch).
  void fit_batch(Index rows, Index n_visible, Index n_hidden) {
    if (h0p.rows() == rows) return;
    h0p.resize(rows, n_hidden);
    h.resize(rows, n_hidden);
    hp.resize(rows, n_hidden);
    vp.resize(rows, n_visible);
    v.resize(rows, n_visible);
  }
};

// Initial weights N(0, std^2): 0.001 for the bottom RBM, 0.01 above (ALGORITHM.md §1.3).
void initialise(model::Rbm& rbm, int layer, const RowMajorMatrix& data, RandomStream& rng) {
  const float std_dev = layer == 1 ? 0.001f : 0.01f;
  rng.fill_normal(rbm.weights.data(), rbm.weights.size());
  rbm.weights *= std_dev;
  // Visible biases at the log-odds of the mean activity (Hinton's guide), which the
  // model would otherwise spend its first epochs learning.
  const Eigen::ArrayXf mean = data.colwise().mean().transpose().array();
  const Eigen::ArrayXf p = mean.max(1e-3f).min(1.0f - 1e-3f);
  rbm.visible_bias = (p / (1.0f - p)).log().matrix();
}

// One Gibbs step from a binary hidden state: v ~ p(v|h), then hp = p(h|v) and, if
// `sample_hidden`, h ~ hp.
void gibbs_step(const model::Rbm& rbm, Matrix& h, Matrix& vp, Matrix& v, Matrix& hp,
                RandomStream& rng, bool sample_hidden) {
  rbm.sample_visible(h, vp, v, rng);
  if (sample_hidden) {
    rbm.sample_hidden(v, hp, h, rng);
  } else {
    rbm.hidden_probabilities(v, hp);
  }
}

}  // namespace

std::pair<float, float> doubling_factors(int layer, int n_layers) {
  if (n_layers == 1) return {1.0f, 1.0f};
  if (layer == 1) return {2.0f, 1.0f};
  if (layer == n_layers) return {1.0f, 2.0f};
  return {2.0f, 2.0f};
}

void pretrain_rbm(const RowMajorMatrix& data, const TrainConfig& config, TrainingState& state,
                  TrainingObserver& observer) {
  const int layer = state.layer;
  const int n_layers = static_cast<int>(config.dimensions.size()) - 1;
  const Index n_visible = config.dimensions[static_cast<size_t>(layer - 1)];
  const Index n_hidden = config.dimensions[static_cast<size_t>(layer)];
  const Index n_examples = data.rows();
  const Index batch_size = std::min<Index>(config.batch_size, n_examples);
  const int cd_epochs = config.effective_cd_epochs();

  model::Rbm& rbm = state.rbm;
  PhaseProgress& at = state.progress;
  if (!state.rbm_started) {
    rbm = model::Rbm(n_visible, n_hidden);
    std::tie(rbm.up_factor, rbm.down_factor) = doubling_factors(layer, n_layers);
    RandomStream init_rng(config.seed, stream_id(Purpose::kInit, layer));
    initialise(rbm, layer, data, init_rng);
    state.rbm_delta_w = Matrix::Zero(n_visible, n_hidden);
    state.rbm_delta_b = Vector::Zero(n_visible);
    state.rbm_delta_c = Vector::Zero(n_hidden);
    state.chain_v.resize(0, 0);
    state.chain_h.resize(0, 0);
    at = PhaseProgress{};
    state.rbm_started = true;
  }
  RandomStream shuffle_rng(config.seed, stream_id(Purpose::kShuffle, layer));
  RandomStream sample_rng(config.seed, stream_id(Purpose::kSample, layer));
  sample_rng.set_counter(at.sample_counter);

  observer.on_phase_start("RBM " + std::to_string(layer) + " of " + std::to_string(n_layers) +
                          " (" + std::to_string(n_visible) + "-" + std::to_string(n_hidden) +
                          ", up x" + std::to_string(static_cast<int>(rbm.up_factor)) +
                          ", down x" + std::to_string(static_cast<int>(rbm.down_factor)) +
                          "): " + std::to_string(cd_epochs) + " epochs CD-" +
                          std::to_string(config.k1) + ", " +
                          std::to_string(config.epochs - cd_epochs) + " epochs PCD-" +
                          std::to_string(config.k2) +
                          (at.epochs_done > 0 || at.batches_done > 0
                               ? ", resuming at epoch " + std::to_string(at.epochs_done + 1)
                               : std::string()));

  RbmBuffers buf(n_visible, n_hidden, batch_size);
  std::vector<Index> order;
  const float lr = config.learning_rate;

  for (int epoch = at.epochs_done; epoch < config.epochs; ++epoch) {
    const bool persistent = epoch >= cd_epochs;
    const float momentum = momentum_for_epoch(epoch, config.momentum_switch_epoch,
                                              config.initial_momentum, config.final_momentum);
    const auto epoch_start = Clock::now();
    const double seconds_before = at.epoch_seconds;
    // A fresh epoch records where its shuffle starts; a resumed one replays it.
    if (at.batches_done == 0) at.shuffle_counter_at_epoch_start = at.shuffle_counter;
    shuffle_rng.set_counter(at.shuffle_counter_at_epoch_start);
    shuffle_order(n_examples, shuffle_rng, order);
    at.shuffle_counter = shuffle_rng.counter();

    if (persistent && state.chain_v.size() == 0) {
      // PCD chains start from binarised training examples; they are never reset.
      buf.chain_v.resize(batch_size, n_visible);
      gather_rows(data, order, 0, batch_size, buf.v0);
      model::sample_bernoulli(buf.v0, buf.chain_v, sample_rng);
      rbm.sample_hidden(buf.chain_v, buf.chain_hp, buf.chain_h, sample_rng);
      state.chain_v = buf.chain_v;
      state.chain_h = buf.chain_h;
    } else if (persistent) {
      buf.chain_v = state.chain_v;
      buf.chain_h = state.chain_h;
    }

    // CD at small batches looks one mini-batch ahead: the weight update also
    // computes the next batch's v0 W while each weight column is in cache (see
    // momentum_update_after_hidden). The draws and their order do not change.
    bool next_input_ready = false;
    for (Index begin = at.batches_done * batch_size; begin < n_examples; begin += batch_size) {
      const Index rows = std::min(batch_size, n_examples - begin);
      if (next_input_ready) {
        std::swap(buf.v0, buf.next_v0);  // gathered (and binarised) by the last batch
      } else {
        gather_rows(data, order, begin, rows, buf.v0);
        if (config.binarize_data) model::binarize_inplace(buf.v0, sample_rng);
      }
      buf.fit_batch(rows, n_visible, n_hidden);

      // Positive phase: hidden probabilities given the data; a sample starts CD.
      if (next_input_ready) {
        model::compute_layer({{&buf.next_input, nullptr}}, rbm.hidden_bias, rbm.up_factor,
                             buf.h0p, &buf.h, &sample_rng);
      } else {
        rbm.sample_hidden(buf.v0, buf.h0p, buf.h, sample_rng);
      }
      const Matrix* neg_v;
      const Matrix* neg_hp;
      if (!persistent) {
        // CD-k1; the first reconstruction also gives the monitored error. The last
        // step's hidden probabilities come with the weight update below.
        for (int step = 1; step <= config.k1; ++step) {
          if (step < config.k1) {
            gibbs_step(rbm, buf.h, buf.vp, buf.v, buf.hp, sample_rng, true);
          } else {
            rbm.sample_visible(buf.h, buf.vp, buf.v, sample_rng);
          }
          if (step == 1) at.squared_error += (buf.v0 - buf.vp).squaredNorm();
        }
        neg_v = &buf.v;
        neg_hp = &buf.hp;
      } else {
        rbm.visible_probabilities(buf.h, buf.vp);
        at.squared_error += (buf.v0 - buf.vp).squaredNorm();
        for (int step = 0; step < config.k2; ++step) {
          gibbs_step(rbm, buf.chain_h, buf.chain_vp, buf.chain_v, buf.chain_hp, sample_rng,
                     true);
        }
        neg_v = &buf.chain_v;
        neg_hp = &buf.chain_hp;
      }

      // Every draw of this batch is made; a checkpoint taken after it resumes here.
      const std::uint64_t sample_counter_after_batch = sample_rng.counter();
      const Index next_begin = begin + rows;
      const bool look_ahead = !persistent && is_small_batch(rows) &&
                              next_begin + rows <= n_examples;
      if (look_ahead) {
        // The draws the next iteration would make first, made now in the same order.
        gather_rows(data, order, next_begin, rows, buf.next_v0);
        if (config.binarize_data) model::binarize_inplace(buf.next_v0, sample_rng);
      }

      // delta_W <- m delta_W + lr (V0^T H0p / B - V^T Hp / P - lambda W)
      const float pos_scale = lr / static_cast<float>(rows);
      const float neg_scale = lr / static_cast<float>(neg_v->rows());
      const GradientTerm positive{&buf.v0, &buf.h0p, pos_scale};
      const bool weights_finite =
          persistent ? momentum_update(rbm.weights, state.rbm_delta_w, momentum, lr,
                                       config.weight_decay, {positive, {neg_v, neg_hp, -neg_scale}})
                     : momentum_update_after_hidden(
                           rbm.weights, state.rbm_delta_w, momentum, lr, config.weight_decay,
                           positive, buf.v, rbm.hidden_bias, rbm.up_factor, neg_scale, buf.hp,
                           look_ahead ? &buf.next_v0 : nullptr,
                           look_ahead ? &buf.next_input : nullptr);
      buf.grad_b = buf.v0.colwise().mean().transpose() - neg_v->colwise().mean().transpose();
      buf.grad_c = buf.h0p.colwise().mean().transpose() - neg_hp->colwise().mean().transpose();
      const bool finite =
          weights_finite &&
          update_bias(rbm.visible_bias, state.rbm_delta_b, buf.grad_b, momentum, lr) &&
          update_bias(rbm.hidden_bias, state.rbm_delta_c, buf.grad_c, momentum, lr);
      if (!finite) {
        throw DivergenceError("training diverged (NaN or infinite parameters) in RBM " +
                              std::to_string(layer) + ", epoch " + std::to_string(epoch + 1) +
                              "; try a smaller --learning-rate than " + detail::rate_text(lr));
      }
      ++at.batches_done;
      at.sample_counter = sample_counter_after_batch;
      next_input_ready = look_ahead;

      BatchProgress progress;
      progress.phase = "pretrain";
      progress.layer = layer;
      progress.epoch = epoch + 1;
      progress.n_epochs = config.epochs;
      progress.examples_done = begin + rows;
      progress.examples_total = n_examples;
      progress.epoch_seconds = seconds_before + seconds_since(epoch_start);
      progress.learning_rate = lr;
      observer.on_batch(progress);
      if (observer.stop_requested() && begin + rows < n_examples) {
        if (persistent) {
          state.chain_v = buf.chain_v;
          state.chain_h = buf.chain_h;
        }
        at.epoch_seconds = progress.epoch_seconds;
        observer.on_checkpoint(state);
        throw Interrupted("stopped in RBM " + std::to_string(layer) + ", epoch " +
                          std::to_string(epoch + 1));
      }
    }
    if (persistent) {
      state.chain_v = buf.chain_v;
      state.chain_h = buf.chain_h;
    }

    if (!detail::within_magnitude(rbm.weights, rbm.visible_bias, rbm.hidden_bias)) {
      throw DivergenceError("training diverged (parameters beyond 1e6 in size) in RBM " +
                            std::to_string(layer) + ", epoch " + std::to_string(epoch + 1) +
                            "; try a smaller --learning-rate than " + detail::rate_text(lr));
    }

    io::EpochMetrics metrics;
    metrics.phase = "pretrain";
    metrics.layer = layer;
    metrics.epoch = epoch + 1;
    metrics.learning_rate = lr;
    detail::close_epoch(state, observer, metrics, n_examples,
                        seconds_before + seconds_since(epoch_start));
    if (at.epochs_done == config.epochs) {
      // The RBM is finished: it joins the stack and the next phase begins.
      state.stack.push_back(rbm);
      state.rbm_started = false;
      state.rbm = model::Rbm();
      state.rbm_delta_w.resize(0, 0);
      state.rbm_delta_b.resize(0);
      state.rbm_delta_c.resize(0);
      state.chain_v.resize(0, 0);
      state.chain_h.resize(0, 0);
      state.progress = PhaseProgress{};
      ++state.layer;
    }
    observer.on_checkpoint(state);
    if (observer.stop_requested()) {
      throw Interrupted("stopped after RBM " + std::to_string(layer) + ", epoch " +
                        std::to_string(epoch + 1));
    }
  }
}

RowMajorMatrix propagate_up(const model::Rbm& rbm, const RowMajorMatrix& data, int k3,
                            RandomStream& rng) {
  constexpr Index kChunk = 1000;
  RowMajorMatrix next(data.rows(), rbm.n_hidden());
  Matrix v, vp, h, hp;
  for (Index begin = 0; begin < data.rows(); begin += kChunk) {
    const Index rows = std::min(kChunk, data.rows() - begin);
    v = data.middleRows(begin, rows);
    hp.resize(rows, rbm.n_hidden());
    h.resize(rows, rbm.n_hidden());
    vp.resize(rows, rbm.n_visible());
    if (k3 == 0) {
      rbm.hidden_probabilities(v, hp);
    } else {
      rbm.sample_hidden(v, hp, h, rng);
      for (int step = 1; step <= k3; ++step) gibbs_step(rbm, h, vp, v, hp, rng, step < k3);
    }
    next.middleRows(begin, rows) = hp;
  }
  return next;
}

model::Dbm compose_dbm(const std::vector<model::Rbm>& stack) {
  model::Dbm dbm;
  dbm.biases.push_back(stack.front().visible_bias);
  for (size_t l = 0; l < stack.size(); ++l) {
    dbm.weights.push_back(stack[l].weights);
    Vector bias = stack[l].hidden_bias;
    if (l + 1 < stack.size()) bias += stack[l + 1].visible_bias;
    dbm.biases.push_back(bias);
  }
  return dbm;
}

}  // namespace dbm::train
