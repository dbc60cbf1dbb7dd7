#include "dbm/train/optimizer.hpp"

#include <atomic>

#include "dbm/core/linalg.hpp"

namespace dbm::train {

bool momentum_update(Matrix& theta, Matrix& delta, float momentum, float learning_rate,
                     float weight_decay, std::initializer_list<GradientTerm> terms) {
  const float decay = learning_rate * weight_decay;
  std::atomic<bool> finite{true};
  for_each_panel(theta.cols(), [&](Index begin, Index width) {
    auto d = delta.middleCols(begin, width);
    auto w = theta.middleCols(begin, width);
    d = momentum * d - decay * w;
    for (const GradientTerm& t : terms) {
      d.noalias() += t.scale * (t.lhs->transpose() * t.rhs->middleCols(begin, width));
    }
    if (d.allFinite()) {
      w += d;
    } else {
      finite = false;
    }
  });
  return finite;
}

bool update_bias(Eigen::Ref<Vector> theta, Eigen::Ref<Vector> delta,
                 const Eigen::Ref<const Vector>& gradient, float momentum, float learning_rate) {
  delta = momentum * delta + learning_rate * gradient;
  if (!delta.allFinite()) return false;
  theta += delta;
  return true;
}

}  // namespace dbm::train
