#pragma once
// Momentum SGD in the MATLAB form (ALGORITHM.md §1.3):
//   delta <- m delta + eps (g - lambda theta);   theta <- theta + delta
// The weight decay lambda applies only to weight matrices, never to biases.

#include "dbm/core/types.hpp"

namespace dbm::train {

// Momentum for a 0-based epoch: `initial` for the first `switch_epoch` epochs, then `final`.
inline float momentum_for_epoch(int epoch, int switch_epoch, float initial, float final) {
  return epoch < switch_epoch ? initial : final;
}

// The first half of an update, before the gradient is accumulated into `delta` by
// products: delta <- m delta - eps lambda theta. Parallel over columns.
void begin_update(Eigen::Ref<Matrix> delta, const Eigen::Ref<const Matrix>& theta, float momentum,
                  float learning_rate, float weight_decay);

// The second half: theta <- theta + delta. Returns false if any entry of delta is not
// finite (divergence), in which case theta is left unchanged.
bool apply_update(Eigen::Ref<Matrix> theta, const Eigen::Ref<const Matrix>& delta);

// Bias update in one step: delta <- m delta + eps g; theta <- theta + delta.
// Returns false if delta is not finite.
bool update_bias(Eigen::Ref<Vector> theta, Eigen::Ref<Vector> delta,
                 const Eigen::Ref<const Vector>& gradient, float momentum, float learning_rate);

}  // namespace dbm::train
