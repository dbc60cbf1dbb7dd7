#include "dbm/model/rbm.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "support/brute_force.hpp"

namespace dbm::model {
namespace {

Rbm random_rbm(unsigned seed) {
  const auto dbm = testing::random_dbm({6, 4}, 0.8f, seed);
  Rbm rbm(6, 4);
  rbm.weights = dbm.weights[0];
  rbm.visible_bias = dbm.biases[0];
  rbm.hidden_bias = dbm.biases[1];
  return rbm;
}

Matrix all_visible_states(Index n_visible) {
  Matrix v(1 << n_visible, n_visible);
  for (Index code = 0; code < v.rows(); ++code)
    for (Index i = 0; i < n_visible; ++i) v(code, i) = static_cast<float>((code >> i) & 1);
  return v;
}

TEST(Rbm, FreeEnergyMatchesEnumeration) {
  const Rbm rbm = random_rbm(1);
  const Matrix v = all_visible_states(6);
  const VectorD f = rbm.free_energy(v);
  const auto dbm = testing::as_dbm(rbm);
  for (Index n = 0; n < v.rows(); ++n) {
    EXPECT_NEAR(-f[n], testing::brute_log_unnormalised(dbm, v.row(n).transpose()), 1e-5);
  }
}

TEST(Rbm, HiddenConditionalMatchesEnumeration) {
  const Rbm rbm = random_rbm(2);
  const auto dbm = testing::as_dbm(rbm);
  const Matrix v = all_visible_states(6).topRows(20);
  Matrix p(20, 4);
  rbm.hidden_probabilities(v, p);
  for (Index n = 0; n < v.rows(); ++n) {
    // p(h_j = 1 | v) = sum over h with h_j = 1 of exp(-E) / sum over all h.
    double total = 0.0;
    std::vector<double> on(4, 0.0);
    for (int code = 0; code < 16; ++code) {
      Eigen::VectorXd h(4);
      for (int j = 0; j < 4; ++j) h[j] = (code >> j) & 1;
      const double w = std::exp(v.row(n).cast<double>() * rbm.weights.cast<double>() * h +
                                rbm.visible_bias.cast<double>().dot(v.row(n).cast<double>()) +
                                rbm.hidden_bias.cast<double>().dot(h));
      total += w;
      for (int j = 0; j < 4; ++j) on[j] += h[j] * w;
    }
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(p(n, j), on[j] / total, 1e-6);
  }
}

TEST(Rbm, VisibleConditionalIsLogisticOfInput) {
  const Rbm rbm = random_rbm(3);
  Matrix h(3, 4);
  h << 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0;
  Matrix p(3, 6);
  rbm.visible_probabilities(h, p);
  for (Index n = 0; n < 3; ++n)
    for (Index i = 0; i < 6; ++i) {
      const double z = rbm.weights.row(i).dot(h.row(n)) + rbm.visible_bias[i];
      EXPECT_NEAR(p(n, i), 1.0 / (1.0 + std::exp(-z)), 1e-6);
    }
}

TEST(Rbm, FactorsScaleTheWholePreactivationIncludingBias) {
  Rbm rbm = random_rbm(4);
  rbm.up_factor = 2.0f;
  rbm.down_factor = 2.0f;
  const Matrix v = all_visible_states(6).topRows(5);
  Matrix p(5, 4);
  rbm.hidden_probabilities(v, p);
  for (Index n = 0; n < 5; ++n)
    for (Index j = 0; j < 4; ++j) {
      const double z = 2.0 * (v.row(n).dot(rbm.weights.col(j)) + rbm.hidden_bias[j]);
      EXPECT_NEAR(p(n, j), 1.0 / (1.0 + std::exp(-z)), 1e-6);
    }
}

}  // namespace
}  // namespace dbm::model
