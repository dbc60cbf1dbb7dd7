#pragma once
// A binary restricted Boltzmann machine (ALGORITHM.md §1).
//
//   E(v,h) = -v^T W h - b.v - c.h,   W: D x H,  b: D (visible bias),  c: H (hidden bias)
//
// During DBM pretraining an RBM's conditionals are scaled by the 'doubling' factors
// (ALGORITHM.md §2.1): p(h|v) = sigma(u (vW + c)), p(v|h) = sigma(d (hW^T + b)),
// the factor multiplying the whole pre-activation, bias included. A plain RBM has
// u = d = 1. All batch functions take examples as rows and write into caller-owned
// buffers of the right shape, so the training loops never allocate.

#include <cereal/cereal.hpp>

#include "dbm/core/random.hpp"
#include "dbm/core/types.hpp"

namespace dbm::model {

struct Rbm {
  Matrix weights;       // D x H
  Vector visible_bias;  // b, length D
  Vector hidden_bias;   // c, length H
  float up_factor = 1.0f;    // u: scales the input of p(h | v)
  float down_factor = 1.0f;  // d: scales the input of p(v | h)

  Rbm() = default;
  // Zero weights and biases.
  Rbm(Index n_visible, Index n_hidden);

  Index n_visible() const { return weights.rows(); }
  Index n_hidden() const { return weights.cols(); }

  // out (B x H) = sigma(u (v W + 1 c^T)) for v (B x D).
  void hidden_probabilities(const Matrix& v, Matrix& out) const;
  // The same, plus samples = Bern(probs), in one fused pass.
  void sample_hidden(const Matrix& v, Matrix& probs, Matrix& samples, RandomStream& rng) const;
  // out (B x D) = sigma(d (h W^T + 1 b^T)) for h (B x H).
  void visible_probabilities(const Matrix& h, Matrix& out) const;
  void sample_visible(const Matrix& h, Matrix& probs, Matrix& samples, RandomStream& rng) const;

  // F(v) = -b.v - sum_j softplus(c_j + (vW)_j) per row, in double. Defined for the
  // plain model (u = d = 1): log p(v) = -F(v) - log Z.
  VectorD free_energy(const Eigen::Ref<const Matrix>& v) const;
};

}  // namespace dbm::model
