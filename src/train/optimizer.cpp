#include "dbm/train/optimizer.hpp"

namespace dbm::train {

void begin_update(Eigen::Ref<Matrix> delta, const Eigen::Ref<const Matrix>& theta, float momentum,
                  float learning_rate, float weight_decay) {
  const float decay = learning_rate * weight_decay;
  const Index cols = delta.cols();
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < cols; ++j) {
    delta.col(j) = momentum * delta.col(j) - decay * theta.col(j);
  }
}

bool apply_update(Eigen::Ref<Matrix> theta, const Eigen::Ref<const Matrix>& delta) {
  // allFinite() is checked before touching theta so a diverged step never lands.
  if (!delta.allFinite()) return false;
  const Index cols = theta.cols();
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < cols; ++j) theta.col(j) += delta.col(j);
  return true;
}

bool update_bias(Eigen::Ref<Vector> theta, Eigen::Ref<Vector> delta,
                 const Eigen::Ref<const Vector>& gradient, float momentum, float learning_rate) {
  delta = momentum * delta + learning_rate * gradient;
  if (!delta.allFinite()) return false;
  theta += delta;
  return true;
}

}  // namespace dbm::train
