#pragma once
// The hot path of every sampler: logistic activation and Bernoulli draws, written
// into preallocated buffers.

#include <initializer_list>

#include "dbm/core/random.hpp"
#include "dbm/core/types.hpp"

namespace dbm::model {

// In place: z <- sigma(z) = 1 / (1 + exp(-z)), numerically safe for any float.
void sigmoid_inplace(Eigen::Ref<Matrix> z);

// out(i,j) = 1 if u(i,j) < p(i,j) else 0, with u drawn from `rng` in column-major
// order. `scratch` must have the shape of p; it receives the uniforms.
// p = 0 never fires, p = 1 always does (ALGORITHM.md §6).
void sample_bernoulli(const Eigen::Ref<const Matrix>& p, Eigen::Ref<Matrix> out,
                      RandomStream& rng);

// In place: x(i,j) <- 1 if u(i,j) < x(i,j) else 0, a fresh Bernoulli sample of
// probabilities (grey pixels) with the uniforms sample_bernoulli would draw.
void binarize_inplace(Eigen::Ref<Matrix> x, RandomStream& rng);

// Adds the row vector `bias` to every row of z, then scales the whole
// pre-activation by `factor` (the up/down factor of ALGORITHM.md §1 multiplies
// the bias too), then applies sigma.
void activate(Eigen::Ref<Matrix> z, const Eigen::Ref<const Vector>& bias, float factor = 1.0f);

// One term of a layer's input: scale * (input * weights), or with `transposed`
// scale * (input * weights^T). Without weights the term is scale * input itself
// (a product computed earlier and reused, e.g. the visible input in mean-field).
struct InputTerm {
  const Matrix* input = nullptr;
  const Matrix* weights = nullptr;
  bool transposed = false;
  float scale = 1.0f;
};

// The fused step every sampler and mean-field update is made of:
//   probs = sigma(factor * (sum of terms + 1 bias^T))
// and, when `samples` is given, samples = Bern(probs) with the uniforms `rng`
// would give to sample_bernoulli (column-major order), so fused and unfused code
// draw identical numbers. One parallel pass over column panels: each panel's
// product, activation and draws happen while it is in cache.
// probs (and samples) must already have the output shape.
void compute_layer(std::initializer_list<InputTerm> terms, const Vector& bias, float factor,
                   Matrix& probs, Matrix* samples = nullptr, RandomStream* rng = nullptr);

// softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|), in double.
double softplus(double z);

}  // namespace dbm::model
