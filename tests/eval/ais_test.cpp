// AIS estimates of log Z against exact enumeration on small RBMs and DBMs
// (SPEC §6: the exact value lies inside the reported interval; a long schedule
// lands within 0.1 nats), plus the schedule, base rate and option checks.

#include "dbm/eval/ais.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/eval/exact.hpp"
#include "support/brute_force.hpp"

namespace dbm {
namespace {

using testing::random_dbm;

// Random binary "training data" whose pixel means vary, for a base rate.
RowMajorMatrix toy_data(Index n, Index d, unsigned seed) {
  RandomStream rng(seed, 1);
  RowMajorMatrix data(n, d);
  rng.fill_uniform(data.data(), data.size());
  for (Index i = 0; i < d; ++i) {
    const float p = 0.1f + 0.8f * static_cast<float>(i) / static_cast<float>(d);
    data.col(i) = (data.col(i).array() < p).cast<float>();
  }
  return data;
}

void expect_inside(const eval::AisResult& ais, double exact) {
  EXPECT_LE(ais.log_z_low, exact) << "AIS " << ais.log_z << " (" << ais.log_z_low << ", "
                                  << ais.log_z_high << ") vs exact " << exact;
  EXPECT_GE(ais.log_z_high, exact) << "AIS " << ais.log_z << " (" << ais.log_z_low << ", "
                                   << ais.log_z_high << ") vs exact " << exact;
}

struct AisCase {
  std::vector<int> dims;
  float scale;
  int parity;  // -1 auto
};

class AisAgreesWithExact : public ::testing::TestWithParam<AisCase> {};

TEST_P(AisAgreesWithExact, ShortScheduleIntervalHoldsTheExactValue) {
  const auto& c = GetParam();
  const auto dbm = random_dbm(c.dims, c.scale, 17);
  const double exact = eval::exact_log_partition(dbm);
  eval::AisOptions options;
  options.n_betas = 1000;
  options.seed = 5;
  options.tracked_parity = c.parity;
  options.base_visible_bias = eval::base_rate_visible_bias(toy_data(200, c.dims[0], 3));
  const auto ais = eval::ais_log_partition(dbm, options);
  EXPECT_EQ(ais.log_weights.size(), 100);
  expect_inside(ais, exact);
  EXPECT_LT(ais.log_z_high - ais.log_z_low, 1.0);
}

TEST_P(AisAgreesWithExact, LongScheduleIsWithinATenthOfANat) {
  const auto& c = GetParam();
  const auto dbm = random_dbm(c.dims, c.scale, 17);
  const double exact = eval::exact_log_partition(dbm);
  eval::AisOptions options;  // the defaults: 100 runs, 20,000 betas, piecewise-linear
  options.seed = 9;
  options.tracked_parity = c.parity;
  options.base_visible_bias = eval::base_rate_visible_bias(toy_data(200, c.dims[0], 3));
  const auto ais = eval::ais_log_partition(dbm, options);
  expect_inside(ais, exact);
  EXPECT_NEAR(ais.log_z, exact, 0.1);
}

INSTANTIATE_TEST_SUITE_P(
    SmallModels, AisAgreesWithExact,
    ::testing::Values(AisCase{{10, 8}, 1.0f, -1},      // RBM, tracks v (§5.2)
                      AisCase{{10, 8}, 1.0f, 1},       // RBM, tracks h
                      AisCase{{10, 8, 6}, 0.8f, -1},   // 3-layer DBM, tracks h1 (§5.3)
                      AisCase{{10, 8, 6}, 0.8f, 0},    // the same, tracking v and h2
                      AisCase{{8, 6, 5, 4}, 0.7f, -1}  // 4-layer DBM
                      ));

TEST(Ais, UniformScheduleAndUniformBaseAlsoAgree) {
  const auto dbm = random_dbm({10, 8, 6}, 0.8f, 23);
  eval::AisOptions options;
  options.n_betas = 5000;
  options.schedule = eval::BetaSchedule::kUniform;
  options.sweeps_per_beta = 2;
  const auto ais = eval::ais_log_partition(dbm, options);
  expect_inside(ais, eval::exact_log_partition(dbm));
  // Uniform base: log Z_A = (10 + 8 + 6) log 2.
  EXPECT_NEAR(ais.log_z_base, 24 * std::log(2.0), 1e-12);
}

TEST(Ais, OneStepIsPlainImportanceSamplingFromTheBase) {
  // With K = 1, w = p*(x) / p*_A(x) for x ~ p_A: still unbiased for Z, with a wide bar.
  const auto dbm = random_dbm({6, 4}, 0.3f, 2);
  eval::AisOptions options;
  options.n_betas = 1;
  options.n_runs = 2000;
  options.schedule = eval::BetaSchedule::kUniform;
  const auto ais = eval::ais_log_partition(dbm, options);
  expect_inside(ais, eval::exact_log_partition(dbm));
}

TEST(Ais, SameSeedSameBitsAtOneAndTwoThreads) {
  // Large enough for the parallel products and element-wise passes to engage.
  const auto dbm = random_dbm({300, 200, 150}, 0.02f, 8);
  eval::AisOptions options;
  options.n_betas = 30;
  options.base_visible_bias = eval::base_rate_visible_bias(toy_data(100, 300, 4));
  set_thread_count(1);
  const auto one = eval::ais_log_partition(dbm, options);
  set_thread_count(2);
  const auto two = eval::ais_log_partition(dbm, options);
  set_thread_count(0);
  EXPECT_TRUE(one.log_weights == two.log_weights);
  EXPECT_EQ(one.log_z, two.log_z);
  options.seed = 2;
  EXPECT_FALSE(eval::ais_log_partition(dbm, options).log_weights == one.log_weights);
}

TEST(Ais, ReportsProgressUpToTheLastStep) {
  const auto dbm = random_dbm({6, 4}, 0.3f, 2);
  eval::AisOptions options;
  options.n_betas = 250;
  Index calls = 0, last = 0;
  eval::ais_log_partition(dbm, options, [&](Index done, Index total) {
    ++calls;
    EXPECT_EQ(total, 250);
    EXPECT_GT(done, last);
    last = done;
  });
  EXPECT_EQ(last, 250);
  EXPECT_GE(calls, 100);
}

TEST(Ais, RejectsOptionsThatCannotWork) {
  const auto dbm = random_dbm({6, 4}, 0.3f, 2);
  eval::AisOptions options;
  options.n_runs = 1;
  EXPECT_THROW(eval::ais_log_partition(dbm, options), UsageError);
  options = {};
  options.n_betas = 0;
  EXPECT_THROW(eval::ais_log_partition(dbm, options), UsageError);
  options = {};
  options.base_visible_bias = Vector::Zero(5);
  EXPECT_THROW(eval::ais_log_partition(dbm, options), UsageError);
  options = {};
  options.tracked_parity = 2;
  EXPECT_THROW(eval::ais_log_partition(dbm, options), UsageError);
}

TEST(BetaSchedule, PiecewiseAt14500StepsIsSalakhutdinovAndMurrays) {
  const auto betas = eval::beta_schedule(14500, eval::BetaSchedule::kPiecewiseLinear);
  ASSERT_EQ(betas.size(), 14501u);
  EXPECT_EQ(betas.front(), 0.0);
  EXPECT_EQ(betas.back(), 1.0);
  EXPECT_NEAR(betas[1], 0.001, 1e-15);
  EXPECT_NEAR(betas[500], 0.5, 1e-15);
  EXPECT_NEAR(betas[501], 0.5001, 1e-15);
  EXPECT_NEAR(betas[4500], 0.9, 1e-15);
  EXPECT_NEAR(betas[4501], 0.90001, 1e-15);
  for (size_t k = 1; k < betas.size(); ++k) ASSERT_GT(betas[k], betas[k - 1]) << k;
}

TEST(BetaSchedule, ScalesToOtherLengthsAndRejectsTooFewSteps) {
  const auto betas = eval::beta_schedule(20000, eval::BetaSchedule::kPiecewiseLinear);
  ASSERT_EQ(betas.size(), 20001u);
  for (size_t k = 1; k < betas.size(); ++k) ASSERT_GT(betas[k], betas[k - 1]) << k;
  EXPECT_EQ(betas.back(), 1.0);
  const auto uniform = eval::beta_schedule(4, eval::BetaSchedule::kUniform);
  EXPECT_EQ(uniform, (std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(eval::beta_schedule(3, eval::BetaSchedule::kPiecewiseLinear).size(), 4u);
  EXPECT_THROW(eval::beta_schedule(2, eval::BetaSchedule::kPiecewiseLinear), UsageError);
  EXPECT_THROW(eval::beta_schedule(0, eval::BetaSchedule::kUniform), UsageError);
  EXPECT_EQ(eval::parse_beta_schedule("uniform"), eval::BetaSchedule::kUniform);
  EXPECT_THROW(eval::parse_beta_schedule("linear"), UsageError);
}

TEST(BaseRate, IsTheSmoothedLogitOfThePixelMeans) {
  // 200 examples: n_b = 2, pseudo-count 10. Pixel 0 never on, pixel 1 on 50 times,
  // pixel 2 always on (capped), pixel 3 grey 0.5 everywhere (count 100).
  RowMajorMatrix data = RowMajorMatrix::Zero(200, 4);
  data.col(1).head(50).setOnes();
  data.col(2).setOnes();
  data.col(3).setConstant(0.5f);
  const Vector bias = eval::base_rate_visible_bias(data);
  const auto logit = [](double p) { return std::log(p / (1.0 - p)); };
  EXPECT_NEAR(bias[0], logit(10.0 / 210.0), 1e-5);
  EXPECT_NEAR(bias[1], logit(60.0 / 210.0), 1e-5);
  EXPECT_NEAR(bias[2], logit(1.0 - 1e-6), 1e-3);
  EXPECT_NEAR(bias[3], logit(110.0 / 210.0), 1e-5);
  EXPECT_THROW(eval::base_rate_visible_bias(RowMajorMatrix(0, 4)), UsageError);
}

TEST(SummariseLogWeights, IsTheLogMeanWithAThreeSigmaBar) {
  eval::AisResult result;
  result.log_z_base = 2.0;
  result.log_weights = VectorD(4);
  result.log_weights << std::log(1.0), std::log(2.0), std::log(3.0), std::log(4.0);
  eval::summarise_log_weights(result);
  const double sd = std::sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3.0);
  EXPECT_NEAR(result.log_z, 2.0 + std::log(2.5), 1e-12);
  EXPECT_NEAR(result.log_z_high, 2.0 + std::log(2.5 + 3.0 * sd / 2.0), 1e-12);
  EXPECT_NEAR(result.log_z_low, 2.0 + std::log(2.5 - 3.0 * sd / 2.0), 1e-12);
  // Shifting every weight by a huge constant changes nothing but the shift.
  result.log_weights.array() += 1000.0;
  eval::summarise_log_weights(result);
  EXPECT_NEAR(result.log_z, 1002.0 + std::log(2.5), 1e-9);
  // One dominant weight: the bar reaches zero and the lower end is -inf.
  result.log_weights << 0.0, 0.0, 0.0, std::log(100.0);
  eval::summarise_log_weights(result);
  EXPECT_TRUE(std::isinf(result.log_z_low) && result.log_z_low < 0);
  EXPECT_TRUE(std::isfinite(result.log_z_high));
}

}  // namespace
}  // namespace dbm
