#pragma once
// Sampling from a trained DBM for visualisation (ALGORITHM.md §4).
//
// M independent chains run the even/odd block-Gibbs sweep of gibbs_sweep() (every
// even layer, v included, given the odd layers, then every odd layer given the even
// ones) at the trained parameters. What is shown is not the binary v but the
// mean-field image of each chain's current state, the visible probabilities given
// its first hidden layer:
//
//   image = sigma(h_1 W_1^T + 1 a_0^T)                                   (M x D)
//
// Chains start either
//   * at random (the default, "samples from the model"): v ~ Bern(sigma(a_0)), the
//     visible biases alone; expect a long burn-in (thousands of sweeps on MNIST); or
//   * from data: v = given images (e.g. training images); converges fast visually,
//     but early snapshots show the data rather than model samples.
// In both cases the hidden layers start from mean-field inference given v
// (mean_field(), which begins with the doubled bottom-up pass), and every layer is
// then drawn as a binary state from its probabilities, so the chain is a proper
// Markov chain on binary states from sweep 0. Upper layers are never clamped to
// representations of the data (ALGORITHM.md §4, "Do not").
//
// Randomness: one counter-based stream RandomStream(seed, kSamplerStreamId), so a
// seed gives the same images at any --threads. No I/O, no logging.

#include <cstdint>
#include <functional>

#include "dbm/core/random.hpp"
#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"

namespace dbm::model {

// Stream id of the sampler (training uses purpose * 1000 + layer, all below 9000).
inline constexpr std::uint64_t kSamplerStreamId = 9001;

// A set of block-Gibbs chains on one DBM. Holds a reference to `dbm`, which must
// outlive the sampler. Buffers are allocated once in the constructor; run() and
// visible_means() do not allocate.
class GibbsSampler {
 public:
  GibbsSampler(const Dbm& dbm, Index n_chains, std::uint64_t seed);

  // Starts every chain from v ~ Bern(sigma(a_0)) (see the header comment).
  void start_random(int mean_field_steps = 10, float tolerance = 1e-7f);

  // Starts chain i from visible row i of `visible` (n_chains x D, values in [0, 1]):
  // hidden layers from mean-field given the grey values, then all layers sampled.
  // Throws dbm::UsageError when the shape is not n_chains x D.
  void start_from(const Eigen::Ref<const Matrix>& visible, int mean_field_steps = 10,
                  float tolerance = 1e-7f);

  // Advances every chain by `sweeps` block-Gibbs sweeps.
  void run(int sweeps);

  // The mean-field visible images sigma(h_1 W_1^T + 1 a_0^T) of the current states,
  // n_chains x D, values in (0, 1). The reference stays valid until the next call.
  const Matrix& visible_means();

  // The binary joint states: state()[l] is n_chains x N_l.
  const std::vector<Matrix>& state() const { return ws_.layers; }
  Index n_chains() const { return ws_.batch_size(); }
  // Sweeps run since the last start.
  long long sweeps_done() const { return sweeps_; }

 private:
  void sample_start(int mean_field_steps, float tolerance);

  const Dbm& dbm_;
  DbmWorkspace ws_;
  RandomStream rng_;
  Matrix images_;  // n_chains x D
  long long sweeps_ = 0;
};

struct SamplerOptions {
  Index n_chains = 100;      // independent chains (100 for a 10x10 grid)
  int gibbs_steps = 1000;    // block-Gibbs sweeps before the final images
  int snapshot_every = 0;    // K > 0: report the images at sweeps 0, K, 2K, ... <= gibbs_steps
  std::uint64_t seed = 0;
  int mean_field_steps = 10;          // mean-field iterations for the starting hidden states
  float mean_field_tolerance = 1e-7f;
};

// Receives the sweep number and the n_chains x D mean-field images at that sweep.
using SnapshotCallback = std::function<void(int sweep, const Matrix& images)>;

// The whole job: starts options.n_chains chains (from the rows of `*start_visible`
// when given, which must be n_chains x D; at random otherwise), runs
// options.gibbs_steps sweeps calling `on_snapshot` as options.snapshot_every says,
// and returns the final mean-field images (n_chains x D). Throws dbm::UsageError for
// n_chains < 1, gibbs_steps < 0, snapshot_every < 0 or a start of the wrong shape.
Matrix sample_images(const Dbm& dbm, const SamplerOptions& options,
                     const Matrix* start_visible = nullptr,
                     const SnapshotCallback& on_snapshot = {});

// The learned features of hidden layer `layer` (1..L) as visible-space images, one
// per row, for the first `count` units (count is capped at N_layer):
//   layer 1:  the columns of W_1                        (count x D)
//   layer l:  the columns of W_1 W_2 ... W_l             (count x D)
// i.e. row j is the pixel-space direction that unit j of that layer responds to
// through the chain of weights (the usual linear visualisation of deep features).
// Throws dbm::UsageError naming --layer or --count when out of range.
RowMajorMatrix filter_images(const Dbm& dbm, int layer, Index count);

}  // namespace dbm::model
