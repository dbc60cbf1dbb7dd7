#include "dbm/core/random.hpp"

#include <gtest/gtest.h>

#include "dbm/core/linalg.hpp"
#include "dbm/model/sampling.hpp"

namespace dbm {
namespace {

TEST(RandomStream, SameSeedAndStreamGiveSameNumbers) {
  RandomStream a(42, 7), b(42, 7), c(42, 8), d(43, 7);
  std::vector<float> xa(1000), xb(1000), xc(1000), xd(1000);
  a.fill_uniform(xa.data(), 1000);
  b.fill_uniform(xb.data(), 1000);
  c.fill_uniform(xc.data(), 1000);
  d.fill_uniform(xd.data(), 1000);
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
  EXPECT_NE(xa, xd);
}

TEST(RandomStream, UniformsLieInUnitIntervalWithRightMoments) {
  RandomStream rng(1, 1);
  std::vector<float> x(200000);
  rng.fill_uniform(x.data(), static_cast<Index>(x.size()));
  double sum = 0, sum_sq = 0;
  for (float u : x) {
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    sum_sq += u * u;
  }
  const double mean = sum / x.size();
  EXPECT_NEAR(mean, 0.5, 0.005);
  EXPECT_NEAR(sum_sq / x.size() - mean * mean, 1.0 / 12.0, 0.002);
}

TEST(RandomStream, DrawsAreSplitIndependent) {
  // Drawing 300 then 700 numbers gives the same sequence as drawing 1000 at once.
  RandomStream whole(5, 3), parts(5, 3);
  std::vector<float> x(1000), y(1000);
  whole.fill_uniform(x.data(), 1000);
  parts.fill_uniform(y.data(), 300);
  parts.fill_uniform(y.data() + 300, 700);
  EXPECT_EQ(x, y);
}

TEST(RandomStream, SameBitsAtOneAndTwoThreads) {
  std::vector<float> one(100000), two(100000);
  set_thread_count(1);
  RandomStream(9, 9).fill_uniform(one.data(), 100000);
  set_thread_count(2);
  RandomStream(9, 9).fill_uniform(two.data(), 100000);
  EXPECT_EQ(one, two);
}

TEST(RandomStream, NormalsHaveUnitVariance) {
  RandomStream rng(3, 3);
  std::vector<float> x(100000);
  rng.fill_normal(x.data(), static_cast<Index>(x.size()));
  double sum = 0, sum_sq = 0;
  for (float z : x) {
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / x.size(), 0.0, 0.02);
  EXPECT_NEAR(sum_sq / x.size(), 1.0, 0.02);
}

TEST(Sampling, BernoulliRespectsZeroOneAndMean) {
  RandomStream rng(11, 1);
  Matrix p(1000, 3);
  p.col(0).setZero();
  p.col(1).setOnes();
  p.col(2).setConstant(0.3f);
  Matrix out(1000, 3);
  model::sample_bernoulli(p, out, rng);
  EXPECT_EQ(out.col(0).sum(), 0.0f);
  EXPECT_EQ(out.col(1).sum(), 1000.0f);
  EXPECT_NEAR(out.col(2).mean(), 0.3, 0.05);
  EXPECT_TRUE(((out.array() == 0.0f) || (out.array() == 1.0f)).all());
}

TEST(Sampling, BinarizeDrawsEachPixelWithItsGreyValueAsProbability) {
  Matrix x(2000, 4);
  x.col(0).setZero();
  x.col(1).setOnes();
  x.col(2).setConstant(0.25f);
  x.col(3).setConstant(0.9f);
  RandomStream rng(5, 2);
  const std::uint64_t before = rng.counter();
  model::binarize_inplace(x, rng);
  EXPECT_EQ(rng.counter() - before, static_cast<std::uint64_t>(x.size()));
  EXPECT_TRUE(((x.array() == 0.0f) || (x.array() == 1.0f)).all());
  EXPECT_EQ(x.col(0).sum(), 0.0f);
  EXPECT_EQ(x.col(1).sum(), 2000.0f);
  // 2000 draws: the standard error of the mean is at most 0.011, so 0.04 is > 3.5 sigma.
  EXPECT_NEAR(x.col(2).mean(), 0.25, 0.04);
  EXPECT_NEAR(x.col(3).mean(), 0.9, 0.04);
}

TEST(Sampling, BinarizeIsThreadIndependentAndFreshOnEveryCall) {
  const Matrix grey = Matrix::Constant(300, 200, 0.5f);  // large enough to run in parallel
  Matrix one = grey, two = grey;
  RandomStream rng_one(8, 3), rng_two(8, 3);
  set_thread_count(1);
  model::binarize_inplace(one, rng_one);
  set_thread_count(2);
  model::binarize_inplace(two, rng_two);
  EXPECT_TRUE(one == two);
  Matrix next = grey;
  model::binarize_inplace(next, rng_two);  // the stream moved on: a new sample
  EXPECT_FALSE(next == two);
}

TEST(Sampling, SigmoidIsSafeAtExtremes) {
  Matrix z(1, 5);
  z << -1000.0f, -1.0f, 0.0f, 1.0f, 1000.0f;
  model::sigmoid_inplace(z);
  EXPECT_TRUE(z.allFinite());
  EXPECT_NEAR(z(0), 0.0f, 1e-12);
  EXPECT_NEAR(z(1), 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_FLOAT_EQ(z(2), 0.5f);
  EXPECT_NEAR(z(4), 1.0f, 1e-7);
}

TEST(Linalg, PanelProductsMatchEigenAndAreThreadIndependent) {
  Matrix a = Matrix::Random(37, 150), b = Matrix::Random(150, 200);
  Matrix one(37, 200), two(37, 200);
  set_thread_count(1);
  multiply(one, a, b);
  set_thread_count(2);
  multiply(two, a, b);
  EXPECT_TRUE(one == two);
  EXPECT_LT((one - a * b).cwiseAbs().maxCoeff(), 1e-4);
  Matrix acc = one;
  multiply_add(acc, a, b, -1.0f);
  EXPECT_LT(acc.cwiseAbs().maxCoeff(), 1e-4);
}

}  // namespace
}  // namespace dbm
