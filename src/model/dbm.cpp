#include "dbm/model/dbm.hpp"

#include "dbm/core/linalg.hpp"
#include "dbm/core/small_batch.hpp"
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
  visible_input.resize(batch_size, dbm.layer_size(1));
}

int mean_field(const Dbm& dbm, DbmWorkspace& ws, int max_steps, float tolerance) {
  const Index L = dbm.n_layers();
  auto& mu = ws.layers;
  // The visible layer is clamped, so its input to layer 1 is computed once.
  if (is_small_batch(mu[0].rows())) {
    multiply_few_rows(ws.visible_input, mu[0], dbm.weights[0]);
  } else {
    multiply(ws.visible_input, mu[0], dbm.weights[0]);
  }
  // Bottom-up initialisation with doubled weights except for the top layer, which
  // has no input from above (ALGORITHM.md §3 step 2).
  compute_layer({{&ws.visible_input, nullptr, false, L > 1 ? 2.0f : 1.0f}}, dbm.biases[1], 1.0f,
                mu[1]);
  for (Index l = 2; l <= L; ++l) {
    compute_layer({{&mu[l - 1], &dbm.weights[l - 1], false, l < L ? 2.0f : 1.0f}},
                  dbm.biases[l], 1.0f, mu[l]);
  }
  if (L == 1) return 1;  // the posterior of an RBM is exact in one pass
  int steps = 0;
  while (steps < max_steps) {
    ++steps;
    bool converged = true;
    for (Index l = 1; l <= L; ++l) {
      auto& next = ws.scratch[l];
      const InputTerm below = l == 1 ? InputTerm{&ws.visible_input}
                                     : InputTerm{&mu[l - 1], &dbm.weights[l - 1]};
      if (l < L) {
        compute_layer({below, {&mu[l + 1], &dbm.weights[l], true}}, dbm.biases[l], 1.0f, next);
      } else {
        compute_layer({below}, dbm.biases[l], 1.0f, next);
      }
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
  auto& x = ws.layers;
  for (Index parity = 0; parity < 2; ++parity) {
    for (Index l = parity; l <= L; l += 2) {
      Matrix* samples = &x[l];
      if (l == 0) {
        compute_layer({{&x[1], &dbm.weights[0], true}}, dbm.biases[0], 1.0f, ws.scratch[0], samples, &rng);
      } else if (l == L) {
        compute_layer({{&x[l - 1], &dbm.weights[l - 1]}}, dbm.biases[l], 1.0f, ws.scratch[l], samples, &rng);
      } else {
        compute_layer({{&x[l - 1], &dbm.weights[l - 1]}, {&x[l + 1], &dbm.weights[l], true}},
                      dbm.biases[l], 1.0f, ws.scratch[l], samples, &rng);
      }
    }
  }
}

}  // namespace dbm::model
