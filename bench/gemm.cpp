#include "gemm.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <omp.h>

#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"

namespace dbm::bench {
namespace {

using Clock = std::chrono::steady_clock;

template <typename Fn>
double seconds_for(Fn& fn, long calls) {
  const auto start = Clock::now();
  for (long i = 0; i < calls; ++i) fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <typename Fn>
double best_seconds_per_call(Fn&& fn, double min_trial_seconds, int n_trials) {
  fn();
  fn();
  // Double the calls until a batch of them is long enough to scale from.
  long calls = 1;
  double seconds = seconds_for(fn, calls);
  while (seconds < min_trial_seconds / 4.0) {
    calls *= 2;
    seconds = seconds_for(fn, calls);
  }
  calls = std::max(1L, static_cast<long>(std::ceil(calls * min_trial_seconds / seconds)));
  double best = std::numeric_limits<double>::infinity();
  for (int trial = 0; trial < n_trials; ++trial) {
    best = std::min(best, seconds_for(fn, calls) / static_cast<double>(calls));
  }
  return best;
}

// Entries uniform in [-1, 1): no denormals, no special values.
Matrix random_matrix(Index rows, Index cols, RandomStream& rng) {
  Matrix m(rows, cols);
  rng.fill_uniform(m.data(), m.size());
  m = m.array() * 2.0f - 1.0f;
  return m;
}

void run_multiply(const GemmShape& s, const Matrix& a, const Matrix& b, Matrix& c) {
  if (s.transpose_lhs && s.transpose_rhs) {
    multiply(c, a.transpose(), b.transpose());
  } else if (s.transpose_lhs) {
    multiply(c, a.transpose(), b);
  } else if (s.transpose_rhs) {
    multiply(c, a, b.transpose());
  } else {
    multiply(c, a, b);
  }
}

void run_eigen(const GemmShape& s, const Matrix& a, const Matrix& b, Matrix& c) {
  if (s.transpose_lhs && s.transpose_rhs) {
    c.noalias() = a.transpose() * b.transpose();
  } else if (s.transpose_lhs) {
    c.noalias() = a.transpose() * b;
  } else if (s.transpose_rhs) {
    c.noalias() = a * b.transpose();
  } else {
    c.noalias() = a * b;
  }
}

// Each thread computes one contiguous block of the result's columns with a plain
// single-threaded Eigen product.
void run_split(const GemmShape& s, const Matrix& a, const Matrix& b, Matrix& c) {
  const Index n_cols = c.cols();
#pragma omp parallel num_threads(thread_count())
  {
    const Index n_threads = omp_get_num_threads();
    const Index t = omp_get_thread_num();
    const Index begin = n_cols * t / n_threads;
    const Index width = n_cols * (t + 1) / n_threads - begin;
    auto block = c.middleCols(begin, width);
    if (s.transpose_lhs && s.transpose_rhs) {
      block.noalias() = a.transpose() * b.transpose().middleCols(begin, width);
    } else if (s.transpose_lhs) {
      block.noalias() = a.transpose() * b.middleCols(begin, width);
    } else if (s.transpose_rhs) {
      block.noalias() = a * b.middleRows(begin, width).transpose();
    } else {
      block.noalias() = a * b.middleCols(begin, width);
    }
  }
}

// Sum of FLOPs over sum of times: the rate of the whole mix of products.
double weighted_rate(const std::vector<GemmMeasurement>& shapes,
                     double GemmMeasurement::*rate) {
  double flops = 0.0, seconds = 0.0;
  for (const auto& m : shapes) {
    const double f = m.shape.flops() * m.shape.uses_per_step;
    flops += f;
    seconds += f / (m.*rate * 1e9);
  }
  return flops / seconds / 1e9;
}

}  // namespace

std::vector<GemmShape> joint_step_shapes(const std::vector<int>& dims, Index batch_size,
                                         int mean_field_steps, int sweeps) {
  std::vector<GemmShape> shapes;
  const std::string b = std::to_string(batch_size);
  for (size_t l = 1; l < dims.size(); ++l) {
    const Index below = dims[l - 1], above = dims[l];
    const std::string lo = std::to_string(below), hi = std::to_string(above);
    // Mean-field reuses x_0 W_1 across its steps; the layers above recompute theirs.
    const int mean_field = l >= 2 ? mean_field_steps : 0;
    shapes.push_back({"X(" + b + "x" + lo + ") * W(" + lo + "x" + hi + ")", batch_size, below,
                      above, false, false, 1 + mean_field + sweeps});
    shapes.push_back({"X(" + b + "x" + hi + ") * W^T(" + hi + "x" + lo + ")", batch_size, above,
                      below, false, true, mean_field + sweeps});
    shapes.push_back({"X^T(" + lo + "x" + b + ") * Y(" + b + "x" + hi + ")", below, batch_size,
                      above, true, false, 2});
  }
  return shapes;
}

GemmPeak measure_gemm_peak(const std::vector<GemmShape>& shapes, double min_trial_seconds,
                           int n_trials) {
  GemmPeak peak;
  peak.threads = thread_count();
  RandomStream rng(12345, 1);
  for (const GemmShape& s : shapes) {
    const Matrix a = s.transpose_lhs ? random_matrix(s.k, s.m, rng) : random_matrix(s.m, s.k, rng);
    const Matrix b = s.transpose_rhs ? random_matrix(s.n, s.k, rng) : random_matrix(s.k, s.n, rng);
    Matrix c_panels(s.m, s.n), c_eigen(s.m, s.n), c_split(s.m, s.n);

    GemmMeasurement m;
    m.shape = s;
    const double t_panels = best_seconds_per_call([&] { run_multiply(s, a, b, c_panels); },
                                                  min_trial_seconds, n_trials);
    const double t_eigen = best_seconds_per_call([&] { run_eigen(s, a, b, c_eigen); },
                                                 min_trial_seconds, n_trials);
    const double t_split = best_seconds_per_call([&] { run_split(s, a, b, c_split); },
                                                 min_trial_seconds, n_trials);
    m.multiply_gflops = s.flops() / t_panels / 1e9;
    m.eigen_single_gflops = s.flops() / t_eigen / 1e9;
    m.split_gflops = s.flops() / t_split / 1e9;
    for (const double rate : {m.multiply_gflops, m.eigen_single_gflops, m.split_gflops}) {
      if (!(std::isfinite(rate) && rate > 0.0)) {
        throw std::runtime_error("GEMM " + s.name + ": no usable timing");
      }
    }

    // Every way must compute the same product: a fast wrong GEMM is no peak.
    const double difference = std::max((c_panels - c_eigen).cwiseAbs().maxCoeff(),
                                       (c_split - c_eigen).cwiseAbs().maxCoeff());
    const double tolerance = 1e-5 * static_cast<double>(s.k);
    if (!(difference <= tolerance) || !c_panels.allFinite() || !c_split.allFinite()) {
      throw std::runtime_error("GEMM " + s.name + ": the products differ by " +
                               std::to_string(difference));
    }
    peak.max_abs_difference = std::max(peak.max_abs_difference, difference);
    peak.best_gflops = std::max({peak.best_gflops, m.multiply_gflops, m.split_gflops});
    peak.shapes.push_back(m);
  }
  peak.multiply_weighted_gflops = weighted_rate(peak.shapes, &GemmMeasurement::multiply_gflops);
  peak.split_weighted_gflops = weighted_rate(peak.shapes, &GemmMeasurement::split_gflops);
  peak.peak_gflops = std::max(peak.multiply_weighted_gflops, peak.split_weighted_gflops);
  peak.eigen_single_weighted_gflops =
      weighted_rate(peak.shapes, &GemmMeasurement::eigen_single_gflops);
  return peak;
}

}  // namespace dbm::bench
