#include "dbm/model/sampling.hpp"

#include <cmath>

#include "dbm/core/linalg.hpp"

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

void binarize_inplace(Eigen::Ref<Matrix> x, RandomStream& rng) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  const std::uint64_t base = rng.counter();
#pragma omp parallel for schedule(static) if (x.size() > kChunk)
  for (Index j = 0; j < cols; ++j) {
    float* column = x.col(j).data();
    const auto offset = static_cast<std::uint64_t>(j * rows);
    for (Index i = 0; i < rows; ++i) {
      column[i] = rng.uniform_at(base, offset + static_cast<std::uint64_t>(i)) < column[i] ? 1.0f : 0.0f;
    }
  }
  rng.advance(static_cast<std::uint64_t>(x.size()));
}

void compute_layer(std::initializer_list<InputTerm> terms, const Vector& bias, float factor,
                   Matrix& probs, Matrix* samples, RandomStream* rng) {
  const Index rows = probs.rows();
  const std::uint64_t base = rng ? rng->counter() : 0;
  for_each_panel(probs.cols(), [&](Index begin, Index width) {
    auto out = probs.middleCols(begin, width);
    bool first = true;
    for (const InputTerm& t : terms) {
      if (t.weights == nullptr) {
        if (first) out = t.scale * t.input->middleCols(begin, width);
        else out += t.scale * t.input->middleCols(begin, width);
      } else if (!t.transposed) {
        if (first) out.noalias() = t.scale * (*t.input * t.weights->middleCols(begin, width));
        else out.noalias() += t.scale * (*t.input * t.weights->middleCols(begin, width));
      } else {
        const auto rhs = t.weights->middleRows(begin, width).transpose();
        if (first) out.noalias() = t.scale * (*t.input * rhs);
        else out.noalias() += t.scale * (*t.input * rhs);
      }
      first = false;
    }
    for (Index j = begin; j < begin + width; ++j) {
      auto column = probs.col(j).array();
      column = (column + bias[j]) * factor;
      column = 1.0f / (1.0f + (-column.max(-30.0f).min(30.0f)).exp());
      if (samples != nullptr) {
        float* s = samples->col(j).data();
        const float* p = probs.col(j).data();
        const auto offset = static_cast<std::uint64_t>(j * rows);
        for (Index i = 0; i < rows; ++i) {
          s[i] = rng->uniform_at(base, offset + static_cast<std::uint64_t>(i)) < p[i] ? 1.0f : 0.0f;
        }
      }
    }
  });
  if (samples != nullptr) rng->advance(static_cast<std::uint64_t>(probs.size()));
}

double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }

}  // namespace dbm::model
