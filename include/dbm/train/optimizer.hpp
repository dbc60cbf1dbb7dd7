#pragma once
// Momentum SGD in the MATLAB form (ALGORITHM.md §1.3):
//   delta <- m delta + eps (g - lambda theta);   theta <- theta + delta
// The weight decay lambda applies only to weight matrices, never to biases.

#include <initializer_list>

#include "dbm/core/types.hpp"

namespace dbm::train {

// Momentum for a 0-based epoch: `initial` for the first `switch_epoch` epochs, then `final`.
inline float momentum_for_epoch(int epoch, int switch_epoch, float initial, float final) {
  return epoch < switch_epoch ? initial : final;
}

// One term of a weight gradient: scale * lhs^T rhs (statistics of two layers).
struct GradientTerm {
  const Matrix* lhs;
  const Matrix* rhs;
  float scale;
};

// The whole weight update, fused per column panel (one parallel pass):
//   delta <- m delta - eps lambda theta + sum_k scale_k lhs_k^T rhs_k;  theta <- theta + delta
// The learning rate is folded into the terms' scales by the caller. Returns false
// if any entry of delta is not finite (divergence); training must then stop, as
// the panels already updated are not rolled back.
bool momentum_update(Matrix& theta, Matrix& delta, float momentum, float learning_rate,
                     float weight_decay, std::initializer_list<GradientTerm> terms);

// Contrastive divergence's negative phase and weight update together: first
//   negative_hidden = sigma(factor (negative_visible * theta + 1 hidden_bias^T))
// from the weights before the step, then momentum_update with the terms
// {positive, {negative_visible, negative_hidden, -negative_scale}}. Batches of up
// to kSmallBatchRows rows do both in one pass over each weight column.
// With `next_visible` (the next mini-batch, m' x theta.rows()), also
//   next_input = next_visible * theta   (with the updated theta; resized to m' x N)
// whose bits equal those of the product compute_layer takes for that batch, so
// the next positive phase can start from it (an InputTerm without weights). At
// small batches this rides along in the same pass over each weight column.
bool momentum_update_after_hidden(Matrix& theta, Matrix& delta, float momentum,
                                  float learning_rate, float weight_decay,
                                  const GradientTerm& positive, const Matrix& negative_visible,
                                  const Vector& hidden_bias, float factor, float negative_scale,
                                  Matrix& negative_hidden, const Matrix* next_visible = nullptr,
                                  Matrix* next_input = nullptr);

// Bias update in one step: delta <- m delta + eps g; theta <- theta + delta.
// Returns false if delta is not finite.
bool update_bias(Eigen::Ref<Vector> theta, Eigen::Ref<Vector> delta,
                 const Eigen::Ref<const Vector>& gradient, float momentum, float learning_rate);

}  // namespace dbm::train
