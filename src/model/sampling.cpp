#include "dbm/model/sampling.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "dbm/core/linalg.hpp"
#include "dbm/core/small_batch.hpp"

namespace dbm::model {
namespace {
constexpr Index kChunk = 1 << 14;
}

void sigmoid_inplace(Eigen::Ref<Matrix> z) {
  // Clamping keeps exp() finite in float32; sigma(+-30) is 1 or 0 to float precision
  // anyway. Eigen vectorises exp().
  const Index cols = z.cols();
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (z.size() > kChunk)
  for (Index j = 0; j < cols; ++j) {
    auto column = z.col(j).array();
    column = 1.0f / (1.0f + (-column.max(-30.0f).min(30.0f)).exp());
  }
}

void activate(Eigen::Ref<Matrix> z, const Eigen::Ref<const Vector>& bias, float factor) {
  const Index cols = z.cols();
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (z.size() > kChunk)
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
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (out.size() > kChunk)
  for (Index j = 0; j < cols; ++j) {
    out.col(j) = (out.col(j).array() < p.col(j).array()).cast<float>().matrix();
  }
}

void binarize_inplace(Eigen::Ref<Matrix> x, RandomStream& rng) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  const std::uint64_t base = rng.counter();
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (x.size() > kChunk)
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
  // A few examples take the small-batch kernels, which want the input of a product
  // with untransposed weights transposed (each example contiguous).
  const bool small = is_small_batch(rows);
  thread_local TransposeCache cache;
  std::array<const Matrix*, 4> transposed_inputs{};
  if (small) {
    cache.begin();
    size_t i = 0;
    for (const InputTerm& t : terms) {
      if (t.weights != nullptr && !t.transposed) transposed_inputs.at(i) = &cache.transposed(*t.input);
      ++i;
    }
  }
  for_each_panel(probs.cols(), [&](Index begin, Index width) {
    auto out = probs.middleCols(begin, width);
    // The panel's columns are contiguous: rows * width floats from here.
    float* const panel = probs.col(begin).data();
    bool first = true;
    size_t i = 0;
    for (const InputTerm& t : terms) {
      if (t.weights == nullptr) {
        if (first) out = t.scale * t.input->middleCols(begin, width);
        else out += t.scale * t.input->middleCols(begin, width);
      } else if (small && !t.transposed) {
        small_times_weights(*transposed_inputs[i], *t.weights, begin, width, t.scale, !first, panel);
      } else if (small) {
        small_times_weights_transposed(*t.input, *t.weights, begin, width, t.scale, !first, panel);
      } else if (!t.transposed) {
        if (first) out.noalias() = t.scale * (*t.input * t.weights->middleCols(begin, width));
        else out.noalias() += t.scale * (*t.input * t.weights->middleCols(begin, width));
      } else {
        const auto rhs = t.weights->middleRows(begin, width).transpose();
        if (first) out.noalias() = t.scale * (*t.input * rhs);
        else out.noalias() += t.scale * (*t.input * rhs);
      }
      first = false;
      ++i;
    }
    // Bias per column, then sigmoid and draws over the panel as one flat array, so
    // that a batch of 5 rows still fills whole SIMD registers.
    for (Index j = begin; j < begin + width; ++j) probs.col(j).array() += bias[j];
    const Index size = rows * width;
    auto z = Eigen::Map<Eigen::ArrayXf>(panel, size);
    z = 1.0f / (1.0f + (-(z * factor).max(-30.0f).min(30.0f)).exp());
    if (samples != nullptr) {
      float* s = samples->col(begin).data();
      const auto offset = static_cast<std::uint64_t>(begin * rows);
      for (Index e = 0; e < size; ++e) {
        s[e] = rng->uniform_at(base, offset + static_cast<std::uint64_t>(e)) < panel[e] ? 1.0f : 0.0f;
      }
    }
  });
  if (samples != nullptr) rng->advance(static_cast<std::uint64_t>(probs.size()));
}

double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }

}  // namespace dbm::model
