#include "dbm/model/rbm.hpp"

#include "dbm/core/linalg.hpp"
#include "dbm/model/sampling.hpp"

namespace dbm::model {

Rbm::Rbm(Index n_visible, Index n_hidden)
    : weights(Matrix::Zero(n_visible, n_hidden)),
      visible_bias(Vector::Zero(n_visible)),
      hidden_bias(Vector::Zero(n_hidden)) {}

void Rbm::hidden_probabilities(const Matrix& v, Matrix& out) const {
  compute_layer({{&v, &weights}}, hidden_bias, up_factor, out);
}

void Rbm::sample_hidden(const Matrix& v, Matrix& probs, Matrix& samples, RandomStream& rng) const {
  compute_layer({{&v, &weights}}, hidden_bias, up_factor, probs, &samples, &rng);
}

void Rbm::visible_probabilities(const Matrix& h, Matrix& out) const {
  compute_layer({{&h, &weights, true}}, visible_bias, down_factor, out);
}

void Rbm::sample_visible(const Matrix& h, Matrix& probs, Matrix& samples, RandomStream& rng) const {
  compute_layer({{&h, &weights, true}}, visible_bias, down_factor, probs, &samples, &rng);
}

VectorD Rbm::free_energy(const Eigen::Ref<const Matrix>& v) const {
  Matrix input(v.rows(), n_hidden());
  multiply(input, v, weights);
  VectorD result(v.rows());
  for (Index n = 0; n < v.rows(); ++n) {
    double value = -(v.row(n).cast<double>() * visible_bias.cast<double>())(0);
    for (Index j = 0; j < n_hidden(); ++j) {
      value -= softplus(static_cast<double>(input(n, j)) + hidden_bias[j]);
    }
    result[n] = value;
  }
  return result;
}

}  // namespace dbm::model
