// The visualisation sampler against exact answers on DBMs small enough to enumerate.

#include "dbm/model/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "support/brute_force.hpp"

namespace dbm::model {
namespace {

// Empirical distribution of the binary visible states (bit i = unit i) over chains.
std::vector<double> empirical_visible(const Matrix& v) {
  std::vector<double> p(size_t{1} << v.cols(), 0.0);
  for (Index c = 0; c < v.rows(); ++c) {
    size_t code = 0;
    for (Index i = 0; i < v.cols(); ++i) code |= static_cast<size_t>(v(c, i) > 0.5f) << i;
    p[code] += 1.0 / static_cast<double>(v.rows());
  }
  return p;
}

double total_variation(const std::vector<double>& p, const std::vector<double>& q) {
  double tv = 0.0;
  for (size_t s = 0; s < p.size(); ++s) tv += 0.5 * std::abs(p[s] - q[s]);
  return tv;
}

// The bound, and why. The final states of n independent chains are n independent
// samples, so for the empirical distribution p^ over the visible states
//   E[TV] = 1/2 sum_s E|p^_s - p_s| <= 1/2 sum_s sqrt(p_s (1 - p_s) / n) =: b
// (Jensen), which the test computes from the exact p (b <= 1/2 sqrt(16 / n) = 0.014
// for 4 visible units). Moving one sample changes TV by at most 1/n, so McDiarmid's
// inequality gives P(TV > E[TV] + t) <= exp(-2 n t^2): with t = sqrt(ln(1e4) / (2n))
// = 0.015 a correct sampler fails with probability below 1e-4 (and the seeds are
// fixed, so the outcome is reproducible). Burn-in bias is negligible: measured TV
// after 200 and after 2000 sweeps agree (0.003-0.010 on these models). The bound has
// power: each test checks that the exact distribution is far from uniform (TV > 0.1),
// and a sweep that drops the top-down input to h1 measured TV 0.07-0.08 on the
// two- and three-hidden-layer models below, against bounds of about 0.024 and 0.028.
constexpr Index kChains = 20000;
constexpr int kSweeps = 200;

double tv_bound(const std::vector<double>& exact) {
  const double n = static_cast<double>(kChains);
  double b = 0.0;
  for (double p : exact) b += 0.5 * std::sqrt(p * (1.0 - p) / n);
  return b + std::sqrt(std::log(1e4) / (2.0 * n));
}

std::vector<double> uniform(size_t k) { return std::vector<double>(k, 1.0 / static_cast<double>(k)); }

void expect_samples_match_exact(const Dbm& dbm, std::uint64_t seed) {
  const auto exact = testing::brute_visible_distribution(dbm);
  ASSERT_GT(total_variation(exact, uniform(exact.size())), 0.1) << "model too flat to test";
  GibbsSampler sampler(dbm, kChains, seed);
  sampler.start_random();
  sampler.run(kSweeps);
  EXPECT_EQ(sampler.sweeps_done(), kSweeps);
  const double tv = total_variation(empirical_visible(sampler.state()[0]), exact);
  EXPECT_LT(tv, tv_bound(exact));
}

TEST(GibbsSampler, TwoLayerSamplesMatchTheExactDistribution) {
  expect_samples_match_exact(testing::random_dbm({4, 3, 2}, 1.0f, 5), 1);
}

TEST(GibbsSampler, ThreeLayerSamplesMatchTheExactDistribution) {
  // Two odd layers (h1, h3) updated together: the parity split of the sweep matters.
  expect_samples_match_exact(testing::random_dbm({4, 3, 2, 2}, 1.5f, 1), 2);
}

TEST(GibbsSampler, RbmSamplesMatchTheExactDistribution) {
  expect_samples_match_exact(testing::random_dbm({4, 3}, 1.2f, 13), 3);
}

TEST(GibbsSampler, ForgetsItsStart) {
  // Every chain starts at the all-ones image: far from the model at sweep 0, on it
  // after burn-in.
  const Dbm dbm = testing::random_dbm({4, 3, 2}, 1.0f, 5);
  const auto exact = testing::brute_visible_distribution(dbm);
  GibbsSampler sampler(dbm, kChains, 4);
  sampler.start_from(Matrix::Ones(kChains, 4));
  EXPECT_GT(total_variation(empirical_visible(sampler.state()[0]), exact), 0.5);
  sampler.run(kSweeps);
  EXPECT_LT(total_variation(empirical_visible(sampler.state()[0]), exact), tv_bound(exact));
}

TEST(GibbsSampler, MeanFieldImagesAverageToTheExactMarginals) {
  // E[sigma(h1 W1^T + b)] = p(v_i = 1): the displayed images are Rao-Blackwellised
  // samples. Each image entry lies in [0, 1], so its chain mean has a standard
  // deviation of at most 0.5 / sqrt(20000) = 0.0035; 0.015 is over 4 of them.
  const Dbm dbm = testing::random_dbm({4, 3, 2}, 1.0f, 5);
  const auto exact = testing::brute_visible_distribution(dbm);
  GibbsSampler sampler(dbm, kChains, 6);
  sampler.start_random();
  sampler.run(kSweeps);
  const Eigen::RowVectorXf mean = sampler.visible_means().colwise().mean();
  for (int i = 0; i < 4; ++i) {
    double marginal = 0.0;
    for (size_t s = 0; s < exact.size(); ++s) {
      if ((s >> i) & 1) marginal += exact[s];
    }
    EXPECT_NEAR(mean[i], marginal, 0.015) << "unit " << i;
  }
}

TEST(SampleImages, SnapshotsComeEveryKSweepsAndTheResultIsTheLastState) {
  const Dbm dbm = testing::random_dbm({6, 4, 3}, 1.0f, 2);
  SamplerOptions options;
  options.n_chains = 5;
  options.gibbs_steps = 25;
  options.snapshot_every = 10;
  options.seed = 42;
  std::vector<int> sweeps;
  Matrix last_snapshot;
  const Matrix images = sample_images(dbm, options, nullptr, [&](int sweep, const Matrix& m) {
    sweeps.push_back(sweep);
    EXPECT_EQ(m.rows(), 5);
    EXPECT_EQ(m.cols(), 6);
    last_snapshot = m;
  });
  EXPECT_EQ(sweeps, (std::vector<int>{0, 10, 20}));
  ASSERT_EQ(images.rows(), 5);
  EXPECT_TRUE((images.array() > 0.0f).all() && (images.array() < 1.0f).all());
  EXPECT_FALSE(images == last_snapshot) << "5 more sweeps should change the images";

  // Snapshots do not change the chain: the same seed without them ends identically.
  options.snapshot_every = 0;
  EXPECT_TRUE(sample_images(dbm, options) == images);
  options.seed = 43;
  EXPECT_FALSE(sample_images(dbm, options) == images);
}

TEST(SampleImages, SameSeedGivesTheSameImagesAtOneAndTwoThreads) {
  // Layers wider than one product panel, so two threads really split the work.
  const Dbm dbm = testing::random_dbm({200, 130, 70}, 0.1f, 4);
  SamplerOptions options;
  options.n_chains = 20;
  options.gibbs_steps = 5;
  options.seed = 8;
  set_thread_count(1);
  const Matrix one = sample_images(dbm, options);
  set_thread_count(2);
  const Matrix two = sample_images(dbm, options);
  set_thread_count(0);
  EXPECT_TRUE(one == two);
}

TEST(SampleImages, RejectsBadOptionsAndStartsOfTheWrongShape) {
  const Dbm dbm = testing::random_dbm({6, 4, 3}, 1.0f, 2);
  SamplerOptions options;
  options.n_chains = 0;
  EXPECT_THROW(sample_images(dbm, options), UsageError);
  options.n_chains = 3;
  options.gibbs_steps = -1;
  EXPECT_THROW(sample_images(dbm, options), UsageError);
  options.gibbs_steps = 0;
  const Matrix wrong = Matrix::Zero(2, 6);
  EXPECT_THROW(sample_images(dbm, options, &wrong), UsageError);
  const Matrix right = Matrix::Zero(3, 6);
  EXPECT_EQ(sample_images(dbm, options, &right).rows(), 3);
}

TEST(FilterImages, AreTheWeightColumnsProjectedDownToThePixels) {
  const Dbm dbm = testing::random_dbm({6, 4, 3}, 1.0f, 2);
  const RowMajorMatrix first = filter_images(dbm, 1, 100);  // capped at 4 units
  ASSERT_EQ(first.rows(), 4);
  EXPECT_TRUE(first.isApprox(dbm.weights[0].transpose()));
  const RowMajorMatrix second = filter_images(dbm, 2, 2);
  ASSERT_EQ(second.rows(), 2);
  const Matrix product = dbm.weights[0] * dbm.weights[1];
  EXPECT_TRUE(second.isApprox(product.leftCols(2).transpose(), 1e-5f));
  EXPECT_THROW(filter_images(dbm, 0, 1), UsageError);
  EXPECT_THROW(filter_images(dbm, 3, 1), UsageError);
  EXPECT_THROW(filter_images(dbm, 1, 0), UsageError);
}

}  // namespace
}  // namespace dbm::model
