#pragma once
// Products for mini-batches of a few examples (the original script's default batch
// size is 5).
//
// Eigen's GEMM packs a panel of the weight matrix into a buffer on every call. At
// batch 100 that copy is paid back a hundred times; at batch 5 it costs as much as
// the multiply, and the 48-row micro-kernel runs mostly empty: 5x784 * 784x500
// measured 26 GFLOP/s on one core against 71 at 100 rows. The kernels here read
// the weights once, straight from the matrix, with the accumulators of every
// example of the batch in registers, so each weight loaded feeds all examples.
//
// Each call computes one block of result columns, so callers spread blocks over
// the threads with for_each_panel. The arithmetic of an entry does not depend on
// the block it lies in, which keeps results bit-identical at any --threads.
// All matrices are Eigen's column-major Matrix.

#include <initializer_list>
#include <memory>
#include <vector>

#include "dbm/core/types.hpp"

namespace dbm {

// Batches up to this many rows take the kernels below. Beyond it Eigen's GEMM wins
// (it does at 100; both are close at 16).
inline constexpr Index kSmallBatchRows = 16;

inline bool is_small_batch(Index rows) { return rows <= kSmallBatchRows; }

// Transposed copies of small-batch inputs (the kernels want every example
// contiguous), kept for reuse so that after the first mini-batch of each shape
// nothing is allocated: a call site keeps one cache, calls begin() once per use and
// then transposed() for each input, which hands out a buffer of that shape not yet
// used since begin(). The buffers keep their addresses, so other threads may read
// them during the call.
class TransposeCache {
 public:
  void begin();
  const Matrix& transposed(const Matrix& m);

 private:
  struct Buffer {
    Matrix matrix;
    bool in_use = false;
  };
  std::vector<std::unique_ptr<Buffer>> buffers_;
};

// out = a * weights for a few rows of a (is_small_batch), through the kernel below,
// split over the threads in the engine's column panels. out must have its shape.
void multiply_few_rows(Matrix& out, const Matrix& a, const Matrix& weights);

// out (m x width, leading dimension m) = or += scale * A * weights.middleCols(begin, width),
// for the m x K matrix A given as its transpose `a_transposed` (K x m, so that every
// example is contiguous).
void small_times_weights(const Matrix& a_transposed, const Matrix& weights, Index begin,
                         Index width, float scale, bool accumulate, float* out);

// out (m x width, leading dimension m) = or += scale * A * weights.middleRows(begin, width)^T,
// for the m x K matrix A (K = weights.cols()).
void small_times_weights_transposed(const Matrix& a, const Matrix& weights, Index begin,
                                    Index width, float scale, bool accumulate, float* out);

// One term scale * L^T R of a weight gradient, with L (m x K) given as its
// transpose `lhs_transposed` (K x m) and R (m x N) as is.
struct SmallGradientTerm {
  const Matrix* lhs_transposed;
  const Matrix* rhs;
  float scale;
};

// The momentum step for columns [begin, begin + width) of theta, in one pass over
// each column:
//   delta <- momentum delta - decay theta + sum of the terms;  theta <- theta + delta.
// An entry whose new delta is not finite leaves that entry of theta unchanged;
// returns false if any did (divergence: training must stop). Each entry is
// computed by the same instructions in the same order wherever its column lies in
// the block, so the result does not depend on how columns are split into blocks.
bool small_momentum_columns(Matrix& theta, Matrix& delta, Index begin, Index width,
                            float momentum, float decay,
                            std::initializer_list<SmallGradientTerm> terms);

// Contrastive divergence's last two passes over the weights in one: for each column
// j of [begin, begin + width), first the negative phase's hidden probabilities
//   hidden(:, j) = sigma(factor (visible * theta(:, j) + hidden_bias(j)))
// from the column as it is, then the momentum step of small_momentum_columns with
// the terms {positive, visible^T hidden * -negative_scale}. The visible matrix is
// given as its transpose `visible_transposed`; hidden (m x theta.cols()) receives
// the probabilities. Saves one read of the weights and one parallel region per
// mini-batch. With `next_visible_transposed` (the next mini-batch's data, K x m'),
// the updated columns also give the next positive phase's input,
//   next_input(:, j) = next_visible * theta(:, j)   (next_input: m' x theta.cols()),
// the same bits small_times_weights would give after the update, while the
// columns are still in cache: a third read of the weights saved.
bool small_hidden_and_momentum_columns(Matrix& theta, Matrix& delta, Index begin, Index width,
                                       float momentum, float decay,
                                       const SmallGradientTerm& positive,
                                       const Matrix& visible_transposed,
                                       const Vector& hidden_bias, float factor,
                                       float negative_scale, Matrix& hidden,
                                       const Matrix* next_visible_transposed = nullptr,
                                       Matrix* next_input = nullptr);

}  // namespace dbm
