#pragma once
// Floating-point operation counts of the benchmarked workloads, from the layer sizes
// alone (issue 6). They count the matrix products the algorithm needs, at 2 FLOPs
// (one multiply, one add) per term: an (m x k) times (k x n) product is 2 m k n FLOPs.
// Element-wise work (sigmoids, random numbers, updates) is not counted: it is small
// next to the products and differs between implementations. The same counts are
// used for our engine and for the peers, so GFLOP/s figures compare like with like.
//
// With W = sum_l N_{l-1} N_l (the number of weights) and W_up = sum_{l>=2} N_{l-1} N_l
// (the weights above the first layer):
//
// RBM CD-1, D visible and H hidden units, per example:
//   forward p(h|v0), backward p(v|h), forward p(h|v1): 3 products of 2 D H
//   gradient V0^T H0 and V1^T H1:                      2 products of 2 D H
//   total 10 D H: 3.92 MFLOP for 784-500.
// scikit-learn's PCD-1 step (BernoulliRBM._fit) does the same five products.
//
// Joint DBM training (finetune.hpp), batch B, P particles, S sweeps, T mean-field
// steps, per example of the batch:
//   mean-field initialisation, one bottom-up pass:     2 W
//   each Gauss-Seidel step (the visible input x_0 W_1 is computed once, in the
//   initialisation, so each step multiplies by every weight matrix but W_1 twice):
//                                                      2 * 2 W_up
//   S block-Gibbs sweeps of P particles (every weight matrix is used once for each
//   of the two layers it joins):                       (P / B) S * 2 * 2 W
//   gradients mu_{l-1}^T mu_l and x_{l-1}^T x_l:       2 W + (P / B) 2 W
//   For 784-500-1000, B = P = 100, T = 10, S = 5: 1.784 + 20 + 17.84 + 3.568
//   = 43.19 MFLOP. The engine's monitored reconstruction error (one more product by
//   W_1^T, 0.78 MFLOP, 1.8 %) is not counted: it is monitoring, not training.
//
// AIS (ais.hpp), per chain and inverse temperature: scoring and sampling the summed
// parity multiplies by every weight matrix once, resampling the tracked parity once
// more: 2 * 2 W = 3.57 MFLOP for 784-500-1000 (the last step skips the second pass;
// ignored).

#include <cstddef>
#include <vector>

namespace dbm::bench {

// W = sum_l N_{l-1} N_l for layer sizes N_0, N_1, ...
inline double weight_count(const std::vector<int>& dims, std::size_t from_layer = 1) {
  double total = 0.0;
  for (std::size_t l = from_layer; l < dims.size(); ++l) {
    total += static_cast<double>(dims[l - 1]) * static_cast<double>(dims[l]);
  }
  return total;
}

inline double rbm_cd1_flops_per_example(int n_visible, int n_hidden) {
  return 10.0 * static_cast<double>(n_visible) * static_cast<double>(n_hidden);
}

inline double dbm_joint_flops_per_example(const std::vector<int>& dims, int batch_size,
                                          int particles, int sweeps, double mean_field_steps) {
  const double w = weight_count(dims);
  const double w_up = weight_count(dims, 2);
  const double ratio = static_cast<double>(particles) / static_cast<double>(batch_size);
  return 2.0 * w + mean_field_steps * 4.0 * w_up + ratio * sweeps * 4.0 * w + 2.0 * w +
         ratio * 2.0 * w;
}

inline double ais_flops_per_chain_beta(const std::vector<int>& dims) {
  return 4.0 * weight_count(dims);
}

}  // namespace dbm::bench
