#include "dbm/model/sampler.hpp"

#include <string>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/model/sampling.hpp"

namespace dbm::model {

GibbsSampler::GibbsSampler(const Dbm& dbm, Index n_chains, std::uint64_t seed)
    : dbm_(dbm), rng_(seed, kSamplerStreamId) {
  if (n_chains < 1) {
    throw UsageError("--count: at least one chain is needed, got " + std::to_string(n_chains));
  }
  ws_.resize(dbm_, n_chains);
  images_.resize(n_chains, dbm_.layer_size(0));
}

void GibbsSampler::start_random(int mean_field_steps, float tolerance) {
  ws_.layers[0].rowwise() = dbm_.biases[0].transpose();
  sigmoid_inplace(ws_.layers[0]);
  // mean_field() reads v as given; a binary v makes the start a state of the chain.
  ws_.scratch[0] = ws_.layers[0];
  sample_bernoulli(ws_.scratch[0], ws_.layers[0], rng_);
  sample_start(mean_field_steps, tolerance);
}

void GibbsSampler::start_from(const Eigen::Ref<const Matrix>& visible, int mean_field_steps,
                              float tolerance) {
  if (visible.rows() != n_chains() || visible.cols() != dbm_.layer_size(0)) {
    throw UsageError("the starting images are " + std::to_string(visible.rows()) + "x" +
                     std::to_string(visible.cols()) + ", expected " +
                     std::to_string(n_chains()) + "x" + std::to_string(dbm_.layer_size(0)));
  }
  // Mean-field sees the grey values, as in the positive phase of training.
  ws_.layers[0] = visible;
  sample_start(mean_field_steps, tolerance);
  ws_.scratch[0] = visible;
  sample_bernoulli(ws_.scratch[0], ws_.layers[0], rng_);
}

void GibbsSampler::sample_start(int mean_field_steps, float tolerance) {
  mean_field(dbm_, ws_, mean_field_steps, tolerance);
  for (Index l = 1; l <= dbm_.n_layers(); ++l) {
    ws_.scratch[l] = ws_.layers[l];
    sample_bernoulli(ws_.scratch[l], ws_.layers[l], rng_);
  }
  sweeps_ = 0;
}

void GibbsSampler::run(int sweeps) {
  for (int s = 0; s < sweeps; ++s) gibbs_sweep(dbm_, ws_, rng_);
  sweeps_ += sweeps;
}

const Matrix& GibbsSampler::visible_means() {
  dbm_.layer_input(ws_.layers, 0, images_);
  sigmoid_inplace(images_);
  return images_;
}

Matrix sample_images(const Dbm& dbm, const SamplerOptions& options, const Matrix* start_visible,
                     const SnapshotCallback& on_snapshot) {
  if (options.gibbs_steps < 0) {
    throw UsageError("--gibbs-steps must be 0 or more, got " +
                     std::to_string(options.gibbs_steps));
  }
  if (options.snapshot_every < 0) {
    throw UsageError("--every must be 0 (off) or more, got " +
                     std::to_string(options.snapshot_every));
  }
  GibbsSampler sampler(dbm, options.n_chains, options.seed);
  if (start_visible) {
    sampler.start_from(*start_visible, options.mean_field_steps, options.mean_field_tolerance);
  } else {
    sampler.start_random(options.mean_field_steps, options.mean_field_tolerance);
  }
  const int every = options.snapshot_every;
  if (every > 0 && on_snapshot) {
    on_snapshot(0, sampler.visible_means());
    for (int done = 0; done + every <= options.gibbs_steps; done += every) {
      sampler.run(every);
      on_snapshot(done + every, sampler.visible_means());
    }
    sampler.run(options.gibbs_steps - static_cast<int>(sampler.sweeps_done()));
  } else {
    sampler.run(options.gibbs_steps);
  }
  return sampler.visible_means();
}

RowMajorMatrix filter_images(const Dbm& dbm, int layer, Index count) {
  if (layer < 1 || layer > dbm.n_layers()) {
    throw UsageError("--layer must be between 1 and " + std::to_string(dbm.n_layers()) +
                     " for this model, got " + std::to_string(layer));
  }
  if (count < 1) throw UsageError("--count must be at least 1, got " + std::to_string(count));
  const Index n = std::min(count, dbm.layer_size(layer));
  // Multiply from the top down so that every product has only n columns.
  Matrix product = dbm.weights[layer - 1].leftCols(n);
  for (int l = layer - 1; l >= 1; --l) {
    Matrix below(dbm.layer_size(l - 1), n);
    multiply(below, dbm.weights[l - 1], product);
    product.swap(below);
  }
  return product.transpose();
}

}  // namespace dbm::model
