#include "support/brute_force.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

namespace dbm::testing {
namespace {

double log_sum_exp(const std::vector<double>& values) {
  double top = -INFINITY;
  for (double v : values) top = std::max(top, v);
  double sum = 0.0;
  for (double v : values) sum += std::exp(v - top);
  return top + std::log(sum);
}

// Negative energy of one joint state (layers as double vectors).
double negative_energy(const model::Dbm& dbm, const std::vector<Eigen::VectorXd>& x) {
  double value = 0.0;
  for (size_t l = 0; l < x.size(); ++l) value += dbm.biases[l].cast<double>().dot(x[l]);
  for (size_t l = 1; l < x.size(); ++l) {
    value += x[l - 1].dot(dbm.weights[l - 1].cast<double>() * x[l]);
  }
  return value;
}

// Calls fn(x) for every binary assignment of the layers from `first_layer` up,
// with layers below fixed as given in x.
template <typename Fn>
void for_each_state(const model::Dbm& dbm, size_t first_layer, std::vector<Eigen::VectorXd>& x,
                    Fn fn) {
  long total_units = 0;
  for (size_t l = first_layer; l < x.size(); ++l) total_units += x[l].size();
  if (total_units > 24) throw std::invalid_argument("too many units to enumerate");
  for (long code = 0; code < (1L << total_units); ++code) {
    long bit = 0;
    for (size_t l = first_layer; l < x.size(); ++l) {
      for (Index i = 0; i < x[l].size(); ++i) x[l][i] = static_cast<double>((code >> bit++) & 1);
    }
    fn(x);
  }
  (void)dbm;
}

std::vector<Eigen::VectorXd> empty_state(const model::Dbm& dbm) {
  std::vector<Eigen::VectorXd> x;
  for (const auto& a : dbm.biases) x.push_back(Eigen::VectorXd::Zero(a.size()));
  return x;
}

}  // namespace

double brute_log_partition(const model::Dbm& dbm) {
  auto x = empty_state(dbm);
  std::vector<double> terms;
  for_each_state(dbm, 0, x, [&](const auto& s) { terms.push_back(negative_energy(dbm, s)); });
  return log_sum_exp(terms);
}

double brute_log_unnormalised(const model::Dbm& dbm, const Eigen::VectorXf& v) {
  auto x = empty_state(dbm);
  x[0] = v.cast<double>();
  std::vector<double> terms;
  for_each_state(dbm, 1, x, [&](const auto& s) { terms.push_back(negative_energy(dbm, s)); });
  return log_sum_exp(terms);
}

double brute_mean_log_likelihood(const model::Dbm& dbm, const Matrix& data) {
  const double log_z = brute_log_partition(dbm);
  double total = 0.0;
  for (Index n = 0; n < data.rows(); ++n) {
    total += brute_log_unnormalised(dbm, data.row(n).transpose()) - log_z;
  }
  return total / static_cast<double>(data.rows());
}

std::vector<double> brute_visible_distribution(const model::Dbm& dbm) {
  const double log_z = brute_log_partition(dbm);
  const Index n_visible = dbm.layer_size(0);
  std::vector<double> p(static_cast<size_t>(1L << n_visible));
  Eigen::VectorXf v(n_visible);
  for (size_t code = 0; code < p.size(); ++code) {
    for (Index i = 0; i < n_visible; ++i) v[i] = static_cast<float>((code >> i) & 1);
    p[code] = std::exp(brute_log_unnormalised(dbm, v) - log_z);
  }
  return p;
}

model::Dbm as_dbm(const model::Rbm& rbm) {
  model::Dbm dbm;
  dbm.weights = {rbm.weights};
  dbm.biases = {rbm.visible_bias, rbm.hidden_bias};
  return dbm;
}

model::Dbm random_dbm(const std::vector<int>& dims, float scale, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  model::Dbm dbm(dims);
  for (auto& w : dbm.weights) w = w.unaryExpr([&](float) { return normal(gen); });
  for (auto& a : dbm.biases) a = a.unaryExpr([&](float) { return normal(gen); });
  return dbm;
}

}  // namespace dbm::testing
