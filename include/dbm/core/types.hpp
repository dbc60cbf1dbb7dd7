#pragma once
// Numeric types shared by the whole engine.
//
// Parameters and mini-batches are float32 (SPEC §4): GEMMs run in single precision.
// Quantities that accumulate rounding error (log-sum-exp, AIS weights, likelihood
// sums) use the double types below (ALGORITHM.md §6).

#include <Eigen/Dense>
#include <cstdint>

namespace dbm {

using Index = Eigen::Index;

// Column-major float32 matrix. A mini-batch is B x D: one example per row.
using Matrix = Eigen::MatrixXf;
using Vector = Eigen::VectorXf;
using RowVector = Eigen::RowVectorXf;

// Row-major storage for data sets, so that one example is contiguous in memory.
using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Double precision for accumulators.
using MatrixD = Eigen::MatrixXd;
using VectorD = Eigen::VectorXd;

}  // namespace dbm
