#include "dbm/model/dbm.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dbm/model/sampling.hpp"
#include "support/brute_force.hpp"

namespace dbm::model {
namespace {

TEST(Dbm, EnergyMatchesDefinition) {
  const Dbm dbm = testing::random_dbm({3, 2, 2}, 1.0f, 7);
  std::vector<Matrix> x = {Matrix(1, 3), Matrix(1, 2), Matrix(1, 2)};
  x[0] << 1, 0, 1;
  x[1] << 0, 1;
  x[2] << 1, 1;
  double expected = 0.0;
  for (int l = 0; l < 3; ++l) expected -= dbm.biases[l].dot(x[l].row(0).transpose());
  for (int l = 1; l < 3; ++l) expected -= (x[l - 1] * dbm.weights[l - 1] * x[l].transpose())(0);
  EXPECT_NEAR(dbm.energy(x)[0], expected, 1e-5);
}

TEST(Dbm, MeanFieldReachesItsFixedPoint) {
  const Dbm dbm = testing::random_dbm({8, 6, 5, 4}, 0.7f, 3);
  DbmWorkspace ws;
  ws.resize(dbm, 10);
  ws.layers[0] = (Matrix::Random(10, 8).array() > 0).cast<float>().matrix();
  const int steps = mean_field(dbm, ws, 500, 0.0f);
  EXPECT_EQ(steps, 500);
  // Each layer must satisfy mu_l = sigma(mu_{l-1} W_l + mu_{l+1} W_{l+1}^T + a_l).
  for (Index l = 1; l <= dbm.n_layers(); ++l) {
    Matrix input(10, dbm.layer_size(l));
    dbm.layer_input(ws.layers, l, input);
    sigmoid_inplace(input);
    EXPECT_LT((input - ws.layers[l]).cwiseAbs().maxCoeff(), 1e-5) << "layer " << l;
  }
}

TEST(Dbm, MeanFieldStopsEarlyWhenConverged) {
  const Dbm dbm = testing::random_dbm({8, 6, 4}, 0.3f, 5);
  DbmWorkspace ws;
  ws.resize(dbm, 4);
  ws.layers[0].setOnes();
  EXPECT_LT(mean_field(dbm, ws, 1000, 1e-6f), 1000);
}

TEST(Dbm, GibbsSamplesMatchTheExactDistribution) {
  // 3-2-2 DBM: 8 visible states. Many chains, many sweeps: the empirical visible
  // distribution must approach the exact one. With 4000 chains x 40 snapshots the
  // total-variation noise is about sqrt(8/160000) ~ 0.007 (ignoring correlation).
  const Dbm dbm = testing::random_dbm({3, 2, 2}, 1.0f, 11);
  const auto exact = testing::brute_visible_distribution(dbm);
  DbmWorkspace ws;
  ws.resize(dbm, 4000);
  RandomStream rng(1, 1);
  for (auto& layer : ws.layers) {
    Matrix half = Matrix::Constant(layer.rows(), layer.cols(), 0.5f);
    sample_bernoulli(half, layer, rng);
  }
  std::vector<double> counts(8, 0.0);
  double n = 0;
  for (int sweep = 0; sweep < 200; ++sweep) {
    gibbs_sweep(dbm, ws, rng);
    if (sweep >= 40 && sweep % 4 == 0) {
      for (Index c = 0; c < ws.layers[0].rows(); ++c) {
        int code = 0;
        for (int i = 0; i < 3; ++i) code |= static_cast<int>(ws.layers[0](c, i)) << i;
        counts[code] += 1;
        n += 1;
      }
    }
  }
  double tv = 0.0;
  for (int s = 0; s < 8; ++s) tv += 0.5 * std::abs(counts[s] / n - exact[s]);
  EXPECT_LT(tv, 0.02);
}

}  // namespace
}  // namespace dbm::model
