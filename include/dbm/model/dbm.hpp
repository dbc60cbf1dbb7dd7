#pragma once
// A binary deep Boltzmann machine (ALGORITHM.md §0).
//
//   E(x) = - sum_{l=1..L} x_{l-1}^T W_l x_l - sum_{l=0..L} a_l . x_l
//
// Layers x_0 = v (D units) .. x_L; W_l (stored as weights[l-1]) is N_{l-1} x N_l and
// a_l (biases[l]) has N_l entries. L = 1 is a plain RBM. Batches are rows.

#include <vector>

#include "dbm/core/random.hpp"
#include "dbm/core/types.hpp"

namespace dbm::model {

struct Dbm {
  std::vector<Matrix> weights;  // L matrices; weights[l-1] = W_l, N_{l-1} x N_l
  std::vector<Vector> biases;   // L+1 vectors; biases[l] = a_l

  Dbm() = default;
  // Zero parameters for the given layer sizes (at least two).
  explicit Dbm(const std::vector<int>& dimensions);

  // L: the number of weight matrices (hidden layers).
  Index n_layers() const { return static_cast<Index>(weights.size()); }
  Index layer_size(Index l) const { return biases[static_cast<size_t>(l)].size(); }
  std::vector<int> dimensions() const;

  // True when every weight and bias is finite.
  bool all_finite() const;

  // Energy E(x) of one joint state per row; state[l] is B x N_l. In double.
  VectorD energy(const std::vector<Matrix>& state) const;

  // Input to layer l from its neighbours in `state`, plus its bias:
  // out = x_{l-1} W_l + x_{l+1} W_{l+1}^T + 1 a_l^T (missing terms dropped).
  void layer_input(const std::vector<Matrix>& state, Index l, Eigen::Ref<Matrix> out) const;
};

// Buffers for mean-field inference and Gibbs sampling on batches of B rows.
// Allocate once per batch size; the functions below then never allocate.
struct DbmWorkspace {
  std::vector<Matrix> layers;  // B x N_l for l = 0..L (layers[0] is the visible batch)
  std::vector<Matrix> scratch; // B x N_l
  Matrix visible_input;        // B x N_1: x_0 W_1, fixed during mean-field

  void resize(const Dbm& dbm, Index batch_size);
  Index batch_size() const { return layers.empty() ? 0 : layers[0].rows(); }
};

// Mean-field positive phase (ALGORITHM.md §3 step 2). `ws.layers[0]` must hold the
// visible batch. Initialises mu with the doubled bottom-up pass, then runs
// Gauss-Seidel sweeps mu_l <- sigma(mu_{l-1} W_l + mu_{l+1} W_{l+1}^T + a_l) for
// l = 1..L until every layer's mean |delta mu| < tolerance or `max_steps` sweeps.
// Returns the number of sweeps run. For L = 1 it is the exact posterior (1 sweep).
int mean_field(const Dbm& dbm, DbmWorkspace& ws, int max_steps, float tolerance);

// One block-Gibbs sweep (ALGORITHM.md §3 step 3): sample every even layer (v
// included) given the odd layers, then every odd layer given the even layers.
// `ws.layers` holds the binary state; afterwards `ws.scratch[l]` holds, for odd l,
// the conditional probabilities the odd layers were sampled from (for
// Rao-Blackwellised statistics) and, for even l, theirs.
void gibbs_sweep(const Dbm& dbm, DbmWorkspace& ws, RandomStream& rng);

}  // namespace dbm::model
