#pragma once
// Exact answers by brute force over every joint state, for models of at most ~20
// units. Deliberately naive (no analytic summing-out) so that it checks the
// engine's formulas independently.

#include <vector>

#include "dbm/model/dbm.hpp"
#include "dbm/model/rbm.hpp"

namespace dbm::testing {

// log Z = log sum_x exp(-E(x)) over all binary states of all layers.
double brute_log_partition(const model::Dbm& dbm);

// log sum_h exp(-E(v, h)) over all hidden states (unnormalised log p(v)).
double brute_log_unnormalised(const model::Dbm& dbm, const Eigen::VectorXf& v);

// Mean exact log p(v) over the rows of `data` (must be binary).
double brute_mean_log_likelihood(const model::Dbm& dbm, const Matrix& data);

// Exact p(v) for every visible state v (index bit i = unit i), summed over hidden states.
std::vector<double> brute_visible_distribution(const model::Dbm& dbm);

// A plain RBM (u = d = 1) as a one-hidden-layer Dbm.
model::Dbm as_dbm(const model::Rbm& rbm);

// A Dbm with N(0, scale^2) weights and biases from a fixed std::mt19937 seed.
model::Dbm random_dbm(const std::vector<int>& dims, float scale, unsigned seed);

}  // namespace dbm::testing
