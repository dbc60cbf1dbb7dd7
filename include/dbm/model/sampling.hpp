#pragma once
// The hot path of every sampler: logistic activation and Bernoulli draws, written
// into preallocated buffers.

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

// Adds the row vector `bias` to every row of z, then scales the whole
// pre-activation by `factor` (the up/down factor of ALGORITHM.md §1 multiplies
// the bias too), then applies sigma.
void activate(Eigen::Ref<Matrix> z, const Eigen::Ref<const Vector>& bias, float factor = 1.0f);

// softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|), in double.
double softplus(double z);

}  // namespace dbm::model
