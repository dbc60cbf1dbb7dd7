#include "dbm/core/small_batch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"
#include "dbm/model/sampling.hpp"
#include "dbm/train/optimizer.hpp"

namespace dbm {
namespace {

Matrix random_matrix(Index rows, Index cols, std::mt19937& gen) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(gen);
  return m;
}

// Float sums of K products of numbers in [-1, 1] differ from the exact value by
// at most about K * 2^-24 * sum|a_k w_k|; 1e-5 * K bounds that for these inputs.
double tolerance(Index k_size) { return 1e-5 * static_cast<double>(k_size) + 1e-6; }

// Row counts 1..16 (every row-group split), shared sizes with and without a
// partial SIMD packet, result blocks with partial column groups and offsets.
struct Shape {
  Index m, k, n, begin, width;
};
const Shape kShapes[] = {{1, 1, 1, 0, 1},      {1, 17, 9, 3, 5},      {2, 16, 33, 0, 33},
                         {3, 31, 70, 5, 64},   {5, 784, 500, 448, 52}, {5, 500, 784, 0, 64},
                         {6, 100, 130, 64, 66}, {7, 15, 20, 1, 19},    {8, 129, 65, 0, 65},
                         {13, 64, 100, 36, 64}, {16, 200, 90, 10, 80}};

TEST(SmallBatch, TimesWeightsMatchesADoublePrecisionProduct) {
  std::mt19937 gen(1);
  for (const Shape& s : kShapes) {
    const Matrix a = random_matrix(s.m, s.k, gen);
    const Matrix w = random_matrix(s.k, s.n, gen);
    const Matrix a_t = a.transpose();
    const MatrixD exact =
        a.cast<double>() * w.middleCols(s.begin, s.width).cast<double>();
    Matrix out = random_matrix(s.m, s.width, gen);
    const Matrix before = out;
    small_times_weights(a_t, w, s.begin, s.width, 0.5f, false, out.data());
    EXPECT_LE((out.cast<double>() - 0.5 * exact).cwiseAbs().maxCoeff(), tolerance(s.k))
        << "m " << s.m << " k " << s.k << " width " << s.width;
    out = before;
    small_times_weights(a_t, w, s.begin, s.width, -2.0f, true, out.data());
    EXPECT_LE((out.cast<double>() - (before.cast<double>() - 2.0 * exact)).cwiseAbs().maxCoeff(),
              4 * tolerance(s.k))
        << "accumulate: m " << s.m << " k " << s.k << " width " << s.width;
  }
}

TEST(SmallBatch, TimesTransposedWeightsMatchesADoublePrecisionProduct) {
  std::mt19937 gen(2);
  for (const Shape& s : kShapes) {
    // The weights are n x k here: the result's columns are rows of the weights.
    const Matrix a = random_matrix(s.m, s.k, gen);
    const Matrix w = random_matrix(s.n, s.k, gen);
    const MatrixD exact =
        a.cast<double>() * w.middleRows(s.begin, s.width).transpose().cast<double>();
    Matrix out = random_matrix(s.m, s.width, gen);
    const Matrix before = out;
    small_times_weights_transposed(a, w, s.begin, s.width, 1.5f, false, out.data());
    EXPECT_LE((out.cast<double>() - 1.5 * exact).cwiseAbs().maxCoeff(), 2 * tolerance(s.k))
        << "m " << s.m << " k " << s.k << " width " << s.width;
    out = before;
    small_times_weights_transposed(a, w, s.begin, s.width, 1.0f, true, out.data());
    EXPECT_LE((out.cast<double>() - (before.cast<double>() + exact)).cwiseAbs().maxCoeff(),
              2 * tolerance(s.k))
        << "accumulate: m " << s.m << " k " << s.k << " width " << s.width;
  }
}

TEST(SmallBatch, MomentumColumnsMatchTheFormula) {
  std::mt19937 gen(3);
  for (const Shape& s : kShapes) {
    // theta is k x n; two terms of m and m+1 examples (positive and negative phase).
    Matrix theta = random_matrix(s.k, s.n, gen);
    Matrix delta = random_matrix(s.k, s.n, gen);
    const Matrix l1 = random_matrix(s.m, s.k, gen), r1 = random_matrix(s.m, s.n, gen);
    const Index m2 = std::min<Index>(s.m + 1, kSmallBatchRows);
    const Matrix l2 = random_matrix(m2, s.k, gen), r2 = random_matrix(m2, s.n, gen);
    const Matrix l1_t = l1.transpose(), l2_t = l2.transpose();
    const float momentum = 0.9f, decay = 0.01f, s1 = 0.3f, s2 = -0.2f;

    MatrixD expected_delta = delta.cast<double>();
    MatrixD expected_theta = theta.cast<double>();
    const auto cols = Eigen::seqN(s.begin, s.width);
    expected_delta(Eigen::all, cols) =
        momentum * delta.cast<double>()(Eigen::all, cols) - decay * theta.cast<double>()(Eigen::all, cols) +
        s1 * l1.cast<double>().transpose() * r1.cast<double>()(Eigen::all, cols) +
        s2 * l2.cast<double>().transpose() * r2.cast<double>()(Eigen::all, cols);
    expected_theta(Eigen::all, cols) += expected_delta(Eigen::all, cols);

    const Matrix theta_before = theta, delta_before = delta;
    ASSERT_TRUE(small_momentum_columns(theta, delta, s.begin, s.width, momentum, decay,
                                       {{&l1_t, &r1, s1}, {&l2_t, &r2, s2}}));
    const double tol = 4 * tolerance(2 * s.m + 2);
    EXPECT_LE((delta.cast<double>() - expected_delta).cwiseAbs().maxCoeff(), tol) << "m " << s.m;
    EXPECT_LE((theta.cast<double>() - expected_theta).cwiseAbs().maxCoeff(), tol) << "m " << s.m;
    // Columns outside the block are untouched, bit for bit.
    for (Index j = 0; j < s.n; ++j) {
      if (j >= s.begin && j < s.begin + s.width) continue;
      EXPECT_TRUE(theta.col(j) == theta_before.col(j));
      EXPECT_TRUE(delta.col(j) == delta_before.col(j));
    }
  }
}

// The kernel works on tiles of several columns; a column's bits must not depend on
// the tile it falls in (the fused CD update calls it four columns at a time, the
// plain update a whole panel at a time, and the panels differ by shape).
TEST(SmallBatch, MomentumColumnsGiveTheSameBitsWhateverTheBlocks) {
  std::mt19937 gen(6);
  for (const Index k : {Index{7}, Index{64}, Index{500}, Index{784}}) {
    const Index n = 23;
    const Matrix theta0 = random_matrix(k, n, gen), delta0 = random_matrix(k, n, gen);
    const Matrix l1 = random_matrix(5, k, gen), r1 = random_matrix(5, n, gen);
    const Matrix l2 = random_matrix(5, k, gen), r2 = random_matrix(5, n, gen);
    const Matrix l1_t = l1.transpose(), l2_t = l2.transpose();
    Matrix theta_whole = theta0, delta_whole = delta0;
    ASSERT_TRUE(small_momentum_columns(theta_whole, delta_whole, 0, n, 0.9f, 0.01f,
                                       {{&l1_t, &r1, 0.3f}, {&l2_t, &r2, -0.2f}}));
    Matrix theta_single = theta0, delta_single = delta0;
    for (Index j = 0; j < n; ++j) {
      ASSERT_TRUE(small_momentum_columns(theta_single, delta_single, j, 1, 0.9f, 0.01f,
                                         {{&l1_t, &r1, 0.3f}, {&l2_t, &r2, -0.2f}}));
    }
    Matrix theta_odd = theta0, delta_odd = delta0;
    for (const auto& [begin, width] : {std::pair<Index, Index>{0, 3}, {3, 9}, {12, 11}}) {
      ASSERT_TRUE(small_momentum_columns(theta_odd, delta_odd, begin, width, 0.9f, 0.01f,
                                         {{&l1_t, &r1, 0.3f}, {&l2_t, &r2, -0.2f}}));
    }
    EXPECT_TRUE(theta_single == theta_whole && delta_single == delta_whole) << "k " << k;
    EXPECT_TRUE(theta_odd == theta_whole && delta_odd == delta_whole) << "k " << k;
  }
}

TEST(SmallBatch, MomentumColumnsReportAnOverflowAndKeepThatColumn) {
  std::mt19937 gen(4);
  for (const Index k : {Index{3}, Index{16}, Index{100}}) {
    Matrix theta = random_matrix(k, 6, gen), delta = random_matrix(k, 6, gen);
    const Matrix l = random_matrix(5, k, gen), l_t = l.transpose();
    Matrix r = random_matrix(5, 6, gen);
    r(2, 4) = std::numeric_limits<float>::infinity();
    const Matrix theta_before = theta;
    EXPECT_FALSE(small_momentum_columns(theta, delta, 0, 6, 0.5f, 0.0f, {{&l_t, &r, 1.0f}}))
        << "k " << k;
    EXPECT_TRUE(theta.col(4) == theta_before.col(4)) << "k " << k;
    EXPECT_FALSE(theta.col(3) == theta_before.col(3)) << "the finite columns still update";
    EXPECT_TRUE(theta.allFinite());
  }
}

// The layer step and the weight update take the small-batch kernels at 5 rows and
// Eigen's GEMM at 100: both paths give the same values up to rounding, and the
// small one is bit-identical at 1 and 2 threads.
TEST(SmallBatch, LayerStepAgreesWithTheLargeBatchPathAndAcrossThreads) {
  std::mt19937 gen(5);
  const Matrix w = random_matrix(200, 150, gen);
  const Vector bias = random_matrix(150, 1, gen);
  const Vector visible_bias = random_matrix(200, 1, gen);
  const Matrix large_v = random_matrix(100, 200, gen);
  const Matrix large_h = random_matrix(100, 150, gen);
  Matrix large_out(100, 150), large_down(100, 200);
  model::compute_layer({{&large_v, &w}}, bias, 0.7f, large_out);
  model::compute_layer({{&large_h, &w, true, 0.5f}, {&large_v, nullptr, false, 0.25f}},
                       visible_bias, 1.0f, large_down);

  const Matrix v = large_v.topRows(5), h = large_h.topRows(5);
  Matrix out(5, 150), down(5, 200), out_two(5, 150), down_two(5, 200);
  Matrix samples(5, 150), samples_two(5, 150);
  set_thread_count(1);
  RandomStream rng(7, 1);
  model::compute_layer({{&v, &w}}, bias, 0.7f, out, &samples, &rng);
  model::compute_layer({{&h, &w, true, 0.5f}, {&v, nullptr, false, 0.25f}}, visible_bias, 1.0f, down);
  set_thread_count(2);
  RandomStream rng_two(7, 1);
  model::compute_layer({{&v, &w}}, bias, 0.7f, out_two, &samples_two, &rng_two);
  model::compute_layer({{&h, &w, true, 0.5f}, {&v, nullptr, false, 0.25f}}, visible_bias, 1.0f,
                       down_two);
  set_thread_count(0);

  EXPECT_LE((out - large_out.topRows(5)).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_LE((down - large_down.topRows(5)).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_TRUE(out == out_two);
  EXPECT_TRUE(down == down_two);
  EXPECT_TRUE(samples == samples_two);
  // The draws are Bern(out) with the stream's uniforms in column-major order.
  RandomStream replay(7, 1);
  Matrix u(5, 150);
  replay.fill_uniform(u.data(), u.size());
  EXPECT_TRUE(samples == (u.array() < out.array()).cast<float>().matrix());
  EXPECT_EQ(rng.counter(), replay.counter());
}

TEST(SmallBatch, WeightUpdateAgreesWithTheLargeBatchPath) {
  std::mt19937 gen(6);
  const Matrix v = random_matrix(5, 120, gen), h = random_matrix(5, 70, gen);
  const Matrix v2 = random_matrix(5, 120, gen), h2 = random_matrix(5, 70, gen);
  Matrix theta = random_matrix(120, 70, gen), delta = random_matrix(120, 70, gen);
  Matrix theta_large = theta, delta_large = delta;
  ASSERT_TRUE(train::momentum_update(theta, delta, 0.9f, 0.1f, 0.001f,
                                     {{&v, &h, 0.02f}, {&v2, &h2, -0.02f}}));
  // The same update as one large-batch term: [v; v2]^T [0.02 h; -0.02 h2].
  Matrix stacked_v(10, 120), stacked_h(10, 70);
  stacked_v << v, v2;
  stacked_h << 0.02f * h, -0.02f * h2;
  ASSERT_FALSE(is_small_batch(20));
  Matrix padded_v = Matrix::Zero(20, 120), padded_h = Matrix::Zero(20, 70);
  padded_v.topRows(10) = stacked_v;
  padded_h.topRows(10) = stacked_h;
  ASSERT_TRUE(train::momentum_update(theta_large, delta_large, 0.9f, 0.1f, 0.001f,
                                     {{&padded_v, &padded_h, 1.0f}}));
  EXPECT_LE((theta - theta_large).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_LE((delta - delta_large).cwiseAbs().maxCoeff(), 1e-5f);
}

// The fused CD update (hidden probabilities, then the step, one pass per column)
// against the same two steps done one after the other.
TEST(SmallBatch, FusedNegativePhaseAndUpdateMatchTheTwoSteps) {
  std::mt19937 gen(7);
  // Rows, visible and hidden units: tiny layers (no full SIMD packet) too.
  for (const auto [rows, k, n] : {std::array<Index, 3>{1, 130, 90}, {5, 130, 90}, {16, 130, 90},
                                  {10, 6, 4}, {5, 20, 3}}) {
    const Matrix v0 = random_matrix(rows, k, gen), h0 = random_matrix(rows, n, gen);
    const Matrix v = random_matrix(rows, k, gen);
    const Vector bias = random_matrix(n, 1, gen);
    Matrix theta = random_matrix(k, n, gen), delta = random_matrix(k, n, gen);
    Matrix theta_two = theta, delta_two = delta;
    Matrix hidden(rows, n), hidden_two(rows, n);
    ASSERT_TRUE(train::momentum_update_after_hidden(theta, delta, 0.5f, 0.05f, 0.001f,
                                                    {&v0, &h0, 0.01f}, v, bias, 1.5f, 0.01f,
                                                    hidden));
    model::compute_layer({{&v, &theta_two}}, bias, 1.5f, hidden_two);
    ASSERT_TRUE(train::momentum_update(theta_two, delta_two, 0.5f, 0.05f, 0.001f,
                                       {{&v0, &h0, 0.01f}, {&v, &hidden_two, -0.01f}}));
    EXPECT_LE((hidden - hidden_two).cwiseAbs().maxCoeff(), 1e-6f) << rows << " rows";
    EXPECT_LE((theta - theta_two).cwiseAbs().maxCoeff(), 1e-6f) << rows << " rows";
    EXPECT_LE((delta - delta_two).cwiseAbs().maxCoeff(), 1e-6f) << rows << " rows";
  }
}

// CD's look-ahead: the update also gives the next batch's input, v_next * theta
// with the updated theta, and the next positive phase started from it must have
// exactly the bits of the phase computed from v_next and the weights.
TEST(SmallBatch, LookAheadInputGivesTheSameNextPositivePhase) {
  std::mt19937 gen(8);
  for (const Index rows : {Index{1}, Index{5}, Index{16}, Index{100}}) {
    const Index k = 130, n = 90;
    const Matrix v0 = random_matrix(rows, k, gen), h0 = random_matrix(rows, n, gen);
    const Matrix v = random_matrix(rows, k, gen), v_next = random_matrix(rows, k, gen);
    const Vector bias = random_matrix(n, 1, gen);
    Matrix theta = random_matrix(k, n, gen), delta = random_matrix(k, n, gen);
    Matrix theta_two = theta, delta_two = delta;
    Matrix hidden(rows, n), hidden_two(rows, n), next_input;
    ASSERT_TRUE(train::momentum_update_after_hidden(theta, delta, 0.5f, 0.05f, 0.001f,
                                                    {&v0, &h0, 0.01f}, v, bias, 1.5f, 0.01f,
                                                    hidden, &v_next, &next_input));
    ASSERT_TRUE(train::momentum_update_after_hidden(theta_two, delta_two, 0.5f, 0.05f, 0.001f,
                                                    {&v0, &h0, 0.01f}, v, bias, 1.5f, 0.01f,
                                                    hidden_two));
    EXPECT_TRUE(theta == theta_two && delta == delta_two && hidden == hidden_two) << rows;

    Matrix probs(rows, n), samples(rows, n), probs_two(rows, n), samples_two(rows, n);
    RandomStream rng(3, 1), rng_two(3, 1);
    model::compute_layer({{&next_input, nullptr}}, bias, 2.0f, probs, &samples, &rng);
    model::compute_layer({{&v_next, &theta_two}}, bias, 2.0f, probs_two, &samples_two, &rng_two);
    EXPECT_TRUE(probs == probs_two) << rows << " rows";
    EXPECT_TRUE(samples == samples_two) << rows << " rows";
  }
}

}  // namespace
}  // namespace dbm
