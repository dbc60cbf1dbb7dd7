// Exact log Z and log p(v) by parity enumeration, checked against naive brute force
// over every joint state (tests/support/brute_force.hpp).

#include "dbm/eval/exact.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "support/brute_force.hpp"

namespace dbm {
namespace {

using testing::brute_log_partition;
using testing::brute_log_unnormalised;
using testing::random_dbm;

RowMajorMatrix all_visible_states(Index n_visible) {
  RowMajorMatrix states(Index{1} << n_visible, n_visible);
  for (Index code = 0; code < states.rows(); ++code) {
    for (Index i = 0; i < n_visible; ++i) states(code, i) = static_cast<float>((code >> i) & 1);
  }
  return states;
}

TEST(ExactLogPartition, MatchesBruteForceOnRbmsEnumeratingEitherSide) {
  // 10-8 enumerates h (8 < 10); 6-12 enumerates v.
  for (const auto& dims : {std::vector<int>{10, 8}, std::vector<int>{6, 12}}) {
    const auto rbm = random_dbm(dims, 1.0f, 5);
    EXPECT_NEAR(eval::exact_log_partition(rbm), brute_log_partition(rbm), 1e-9)
        << dims[0] << "-" << dims[1];
  }
  EXPECT_EQ(eval::plan_log_partition(random_dbm({10, 8}, 1.0f, 1)).parity, 1);
  EXPECT_EQ(eval::plan_log_partition(random_dbm({6, 12}, 1.0f, 1)).parity, 0);
}

TEST(ExactLogPartition, MatchesBruteForceOnDeeperDbms) {
  for (const auto& dims : {std::vector<int>{8, 6, 5}, std::vector<int>{5, 7, 6},
                           std::vector<int>{6, 4, 5, 3}, std::vector<int>{4, 3, 4, 3, 4}}) {
    const auto dbm = random_dbm(dims, 0.8f, 11);
    EXPECT_NEAR(eval::exact_log_partition(dbm), brute_log_partition(dbm), 1e-9)
        << "layers " << dims.size();
  }
}

TEST(ExactLogPartition, LargeWeightsStayFinite) {
  // Pre-activations of +-60 would overflow a naive exp in float; the LSE is streamed.
  const auto dbm = random_dbm({8, 6, 5}, 6.0f, 2);
  const double exact = eval::exact_log_partition(dbm);
  EXPECT_TRUE(std::isfinite(exact));
  EXPECT_NEAR(exact, brute_log_partition(dbm), 1e-8 * std::abs(exact));
}

TEST(ExactLogPartition, SpansSeveralChunks) {
  // 11 enumerated units: 2 chunks of 1024 states, still within brute-force reach.
  const auto dbm = random_dbm({12, 11, 1}, 0.7f, 4);
  EXPECT_EQ(eval::plan_log_partition(dbm).n_units, 11);
  EXPECT_NEAR(eval::exact_log_partition(dbm), brute_log_partition(dbm), 1e-9);
}

TEST(ExactLogPartition, SameBitsAtOneAndTwoThreads) {
  // 14 enumerated units: 16 chunks spread over the threads.
  const auto dbm = random_dbm({20, 14, 18}, 0.3f, 4);
  set_thread_count(1);
  const double one = eval::exact_log_partition(dbm);
  set_thread_count(2);
  const double two = eval::exact_log_partition(dbm);
  set_thread_count(0);
  EXPECT_TRUE(std::isfinite(one));
  EXPECT_EQ(one, two);
}

TEST(ExactLogPartition, RefusesPolitelyAboveTheLimit) {
  const auto big = random_dbm({784, 500, 30}, 0.01f, 1);
  EXPECT_FALSE(eval::can_enumerate_log_partition(big));
  try {
    eval::exact_log_partition(big);
    FAIL() << "expected a refusal";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("784-500-30"), std::string::npos) << message;
    EXPECT_NE(message.find("AIS"), std::string::npos) << message;
  }
  EXPECT_THROW(eval::exact_log_partition(random_dbm({10, 8}, 1.0f, 1), 6), UsageError);
}

TEST(ExactLogUnnormalised, MatchesBruteForceForEveryVisibleState) {
  for (const auto& dims : {std::vector<int>{6, 5}, std::vector<int>{5, 4, 6},
                           std::vector<int>{4, 3, 5, 2}}) {
    const auto dbm = random_dbm(dims, 0.9f, 21);
    const RowMajorMatrix states = all_visible_states(dims[0]);
    const VectorD values = eval::exact_log_unnormalised(dbm, states);
    for (Index n = 0; n < states.rows(); ++n) {
      EXPECT_NEAR(values[n], brute_log_unnormalised(dbm, states.row(n).transpose()), 1e-9)
          << "layers " << dims.size() << " state " << n;
    }
    // The normalised probabilities sum to one.
    const double log_z = eval::exact_log_partition(dbm);
    EXPECT_NEAR((values.array() - log_z).exp().sum(), 1.0, 1e-9);
  }
}

TEST(ExactLogUnnormalised, RejectsAWrongDataWidth) {
  const auto dbm = random_dbm({6, 5}, 1.0f, 1);
  EXPECT_THROW(eval::exact_log_unnormalised(dbm, RowMajorMatrix::Zero(2, 7)), UsageError);
}

}  // namespace
}  // namespace dbm
