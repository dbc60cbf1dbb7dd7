#include "dbm/train/optimizer.hpp"

#include <array>
#include <atomic>

#include "dbm/core/linalg.hpp"
#include "dbm/core/small_batch.hpp"
#include "dbm/model/sampling.hpp"

namespace dbm::train {
namespace {

// The small-batch kernels take one or two terms (positive and negative phase),
// each with at most kSmallBatchRows examples.
constexpr size_t kMaxSmallTerms = 2;

bool small_batch_terms(std::initializer_list<GradientTerm> terms) {
  if (terms.size() == 0 || terms.size() > kMaxSmallTerms) return false;
  for (const GradientTerm& t : terms) {
    if (!is_small_batch(t.lhs->rows())) return false;
  }
  return true;
}

}  // namespace

bool momentum_update(Matrix& theta, Matrix& delta, float momentum, float learning_rate,
                     float weight_decay, std::initializer_list<GradientTerm> terms) {
  const float decay = learning_rate * weight_decay;
  std::atomic<bool> finite{true};
  if (small_batch_terms(terms)) {
    // The kernels read each term's left side transposed (examples contiguous).
    thread_local TransposeCache cache;
    cache.begin();
    std::array<SmallGradientTerm, kMaxSmallTerms> small{};
    size_t i = 0;
    for (const GradientTerm& t : terms) small[i++] = {&cache.transposed(*t.lhs), t.rhs, t.scale};
    for_each_panel(theta.cols(), [&](Index begin, Index width) {
      const bool ok =
          terms.size() == 1
              ? small_momentum_columns(theta, delta, begin, width, momentum, decay, {small[0]})
              : small_momentum_columns(theta, delta, begin, width, momentum, decay,
                                       {small[0], small[1]});
      if (!ok) finite = false;
    });
    return finite;
  }
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

bool momentum_update_after_hidden(Matrix& theta, Matrix& delta, float momentum,
                                  float learning_rate, float weight_decay,
                                  const GradientTerm& positive, const Matrix& negative_visible,
                                  const Vector& hidden_bias, float factor, float negative_scale,
                                  Matrix& negative_hidden, const Matrix* next_visible,
                                  Matrix* next_input) {
  const GradientTerm negative{&negative_visible, &negative_hidden, -negative_scale};
  if (next_visible != nullptr &&
      (next_input->rows() != next_visible->rows() || next_input->cols() != theta.cols())) {
    next_input->resize(next_visible->rows(), theta.cols());
  }
  if (!small_batch_terms({positive, negative}) ||
      (next_visible != nullptr && !is_small_batch(next_visible->rows()))) {
    model::compute_layer({{&negative_visible, &theta}}, hidden_bias, factor, negative_hidden);
    const bool finite = momentum_update(theta, delta, momentum, learning_rate, weight_decay,
                                        {positive, negative});
    if (next_visible != nullptr) multiply(*next_input, *next_visible, theta);
    return finite;
  }
  thread_local TransposeCache cache;
  cache.begin();
  const SmallGradientTerm small_positive{&cache.transposed(*positive.lhs), positive.rhs,
                                         positive.scale};
  const Matrix& visible_transposed = cache.transposed(negative_visible);
  const Matrix* next_visible_transposed =
      next_visible != nullptr ? &cache.transposed(*next_visible) : nullptr;
  const float decay = learning_rate * weight_decay;
  std::atomic<bool> finite{true};
  for_each_panel(theta.cols(), [&](Index begin, Index width) {
    if (!small_hidden_and_momentum_columns(theta, delta, begin, width, momentum, decay,
                                           small_positive, visible_transposed, hidden_bias,
                                           factor, negative_scale, negative_hidden,
                                           next_visible_transposed, next_input)) {
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
