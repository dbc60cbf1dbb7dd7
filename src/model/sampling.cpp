#include "dbm/model/sampling.hpp"

#include <cmath>

namespace dbm::model {
namespace {
constexpr Index kChunk = 1 << 14;
}

void sigmoid_inplace(Eigen::Ref<Matrix> z) {
  // Clamping keeps exp() finite in float32; sigma(+-30) is 1 or 0 to float precision
  // anyway. Eigen vectorises exp().
  const Index cols = z.cols();
#pragma omp parallel for schedule(static) if (z.size() > kChunk)
  for (Index j = 0; j < cols; ++j) {
    auto column = z.col(j).array();
    column = 1.0f / (1.0f + (-column.max(-30.0f).min(30.0f)).exp());
  }
}

void activate(Eigen::Ref<Matrix> z, const Eigen::Ref<const Vector>& bias, float factor) {
  const Index cols = z.cols();
#pragma omp parallel for schedule(static) if (z.size() > kChunk)
  for (Index j = 0; j < cols; ++j) {
    auto column = z.col(j).array();
    column = (column + bias[j]) * factor;
    column = 1.0f / (1.0f + (-column.max(-30.0f).min(30.0f)).exp());
  }
}

void sample_bernoulli(const Eigen::Ref<const Matrix>& p, Eigen::Ref<Matrix> out,
                      RandomStream& rng) {
  // Uniforms go straight into `out` (same shape), then are compared in place.
  rng.fill_uniform(out.data(), out.size());
  const Index cols = out.cols();
#pragma omp parallel for schedule(static) if (out.size() > kChunk)
  for (Index j = 0; j < cols; ++j) {
    out.col(j) = (out.col(j).array() < p.col(j).array()).cast<float>().matrix();
  }
}

double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }

}  // namespace dbm::model
