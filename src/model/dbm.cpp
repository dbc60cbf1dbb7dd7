#include "dbm/model/dbm.hpp"

#include "dbm/core/linalg.hpp"
#include "dbm/model/sampling.hpp"

namespace dbm::model {

Dbm::Dbm(const std::vector<int>& dimensions) {
  for (size_t l = 0; l < dimensions.size(); ++l) {
    biases.push_back(Vector::Zero(dimensions[l]));
    if (l > 0) weights.push_back(Matrix::Zero(dimensions[l - 1], dimensions[l]));
  }
}

std::vector<int> Dbm::dimensions() const {
  std::vector<int> dims;
  for (const auto& bias : biases) dims.push_back(static_cast<int>(bias.size()));
  return dims;
}

bool Dbm::all_finite() const {
  for (const auto& w : weights)
    if (!w.allFinite()) return false;
  for (const auto& a : biases)
    if (!a.allFinite()) return false;
  return true;
}

VectorD Dbm::energy(const std::vector<Matrix>& state) const {
  const Index rows = state[0].rows();
  VectorD result = VectorD::Zero(rows);
  for (Index l = 0; l <= n_layers(); ++l) {
    result -= (state[l].cast<double>() * biases[l].cast<double>());
  }
  for (Index l = 1; l <= n_layers(); ++l) {
    const MatrixD projected = state[l - 1].cast<double>() * weights[l - 1].cast<double>();
    result -= projected.cwiseProduct(state[l].cast<double>()).rowwise().sum();
  }
  return result;
}

void Dbm::layer_input(const std::vector<Matrix>& state, Index l, Eigen::Ref<Matrix> out) const {
  if (l > 0) {
    multiply(out, state[l - 1], weights[l - 1]);
  } else {
    out.setZero();
  }
  if (l < n_layers()) {
    multiply_add(out, state[l + 1], weights[l].transpose());
  }
  out.rowwise() += biases[l].transpose();
}

void DbmWorkspace::resize(const Dbm& dbm, Index batch_size) {
  layers.resize(dbm.n_layers() + 1);
  scratch.resize(dbm.n_layers() + 1);
  for (Index l = 0; l <= dbm.n_layers(); ++l) {
    layers[l].resize(batch_size, dbm.layer_size(l));
    scratch[l].resize(batch_size, dbm.layer_size(l));
  }
}

int mean_field(const Dbm& dbm, DbmWorkspace& ws, int max_steps, float tolerance) {
  const Index L = dbm.n_layers();
  auto& mu = ws.layers;
  // Bottom-up initialisation with doubled weights except for the top layer, which
  // has no input from above (ALGORITHM.md §3 step 2).
  for (Index l = 1; l <= L; ++l) {
    multiply(mu[l], mu[l - 1], dbm.weights[l - 1]);
    if (l < L) mu[l] *= 2.0f;
    activate(mu[l], dbm.biases[l]);
  }
  if (L == 1) return 1;  // the posterior of an RBM is exact in one pass
  int steps = 0;
  while (steps < max_steps) {
    ++steps;
    bool converged = true;
    for (Index l = 1; l <= L; ++l) {
      auto& next = ws.scratch[l];
      dbm.layer_input(mu, l, next);
      sigmoid_inplace(next);
      const double mean_change =
          (next - mu[l]).cwiseAbs().sum() / static_cast<double>(next.size());
      if (mean_change >= tolerance) converged = false;
      mu[l].swap(next);
    }
    if (converged) break;
  }
  return steps;
}

void gibbs_sweep(const Dbm& dbm, DbmWorkspace& ws, RandomStream& rng) {
  const Index L = dbm.n_layers();
  for (Index parity = 0; parity < 2; ++parity) {
    for (Index l = parity; l <= L; l += 2) {
      dbm.layer_input(ws.layers, l, ws.scratch[l]);
      sigmoid_inplace(ws.scratch[l]);
      sample_bernoulli(ws.scratch[l], ws.layers[l], rng);
    }
  }
}

}  // namespace dbm::model
