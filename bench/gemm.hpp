#pragma once
// This machine's single-precision GEMM throughput at the training shapes: the
// 'peak' that the workloads' GFLOP/s are divided by (SPEC §7, issue 6).
//
// Each shape is timed three ways, all with the same Eigen build and flags as the
// library (Eigen's own threading is off in this build, EIGEN_DONT_PARALLELIZE).
// "Eigen product" means `C.noalias() = A * B`, which in a DBM_OPENBLAS build
// (the default) Eigen hands to OpenBLAS's sgemm, as it does in the engine:
//  - split: the result's columns cut into one contiguous block per thread, each
//    block one plain Eigen product (`C.noalias() = A * B`) on its thread. This is
//    how a threaded GEMM divides such shapes, and the fastest this build does.
//  - multiply: dbm::multiply (include/dbm/core/linalg.hpp), the engine's
//    deterministic path (column panels fixed by the shape, spread over the threads).
//  - single: one plain Eigen product on one thread (the ceiling at N threads is
//    N times this).
//
// peak_gflops is the faster of split and multiply, each as a FLOP-weighted mean
// over the products of one joint DBM step (784-500-1000, batch 100, 100 particles,
// 10 mean-field steps, 5 sweeps; see flops.hpp): sum of the step's FLOPs divided by
// the sum of the times each product takes at its measured rate. It is the rate the
// step would reach if everything but its products were free. best_gflops, the
// fastest single shape either way, is reported too.
//
// Timing: a few warm-up calls, then `n_trials` trials of enough calls to last at
// least `min_trial_seconds`; the best trial counts (the least disturbed by other
// load on the machine).

#include <string>
#include <vector>

#include "dbm/core/types.hpp"

namespace dbm::bench {

// One product out (m x n) = op(A) (m x k) * op(B) (k x n), op = identity or transpose,
// with how often one joint DBM step does it.
struct GemmShape {
  std::string name;          // e.g. "X(100x784) * W(784x500)"
  Index m = 0, k = 0, n = 0;
  bool transpose_lhs = false;  // A stored k x m, used as A^T (gradients X^T Y)
  bool transpose_rhs = false;  // B stored n x k, used as B^T (downward passes X W^T)
  int uses_per_step = 0;
  double flops() const { return 2.0 * static_cast<double>(m) * static_cast<double>(k) * n; }
};

// The distinct products of one joint training step of a DBM with layer sizes `dims`
// at batch B = particles (the benchmarked case), with their counts per step.
std::vector<GemmShape> joint_step_shapes(const std::vector<int>& dims, Index batch_size,
                                         int mean_field_steps, int sweeps);

struct GemmMeasurement {
  GemmShape shape;
  double split_gflops = 0.0;         // plain Eigen, one column block per thread
  double multiply_gflops = 0.0;      // dbm::multiply at the engine's thread count
  double eigen_single_gflops = 0.0;  // plain Eigen, one thread
};

struct GemmPeak {
  std::vector<GemmMeasurement> shapes;
  int threads = 0;
  double peak_gflops = 0.0;         // max(split, multiply) weighted (see above)
  double best_gflops = 0.0;         // the fastest shape, split or multiply
  double split_weighted_gflops = 0.0;         // FLOP-weighted means of each way
  double multiply_weighted_gflops = 0.0;
  double eigen_single_weighted_gflops = 0.0;
  double max_abs_difference = 0.0;  // |multiply - plain Eigen| over all outputs (sanity)
};

// Times every shape. Throws std::runtime_error if the three ways
// disagree (beyond float rounding) or a rate is not finite and positive.
GemmPeak measure_gemm_peak(const std::vector<GemmShape>& shapes, double min_trial_seconds,
                           int n_trials);

}  // namespace dbm::bench
