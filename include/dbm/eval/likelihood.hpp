#pragma once
// Test log-likelihoods in nats (ALGORITHM.md §5.2, §5.4).
//
// * RBM (L = 1): exact given log Z. Summing out h,
//     log p*(v) = -F(v) = a_0 . v + sum_j softplus(a_1j + (v W_1)_j),   log p(v) = log p*(v) - log Z.
// * DBM: the mean-field variational lower bound. With mu_1..mu_L from mean-field
//   inference (q(h) = prod Bern(mu)),
//     log p(v) >= a_0 . v + v^T W_1 mu_1 + sum_{l=2..L} mu_{l-1}^T W_l mu_l
//                 + sum_{l>=1} a_l . mu_l + sum_{l>=1} sum_j H(mu_lj) - log Z          (5.4)
//   with H(mu) = -mu log mu - (1 - mu) log(1 - mu). The bound holds for any mu in
//   [0, 1]; mean-field (up to 100 Gauss-Seidel sweeps, tolerance 1e-7 by default) makes
//   it tight. For L = 1 it equals -F(v) (the posterior of an RBM is factorial).
//
// log p(v) is a probability only for binary v, so grey test images are binarised
// first (binarize(): Bern(x) with a fixed seed by default, ALGORITHM.md §5.4).
//
// Inference runs in float32 (as in training); the bound's sums, the entropies and the
// products that enter it are evaluated in double for the mu that inference produced,
// so the value is an exact lower bound for that q up to double rounding.
// Data are processed in batches; per-example results are double.

#include <cstdint>
#include <string>

#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"

namespace dbm::eval {

enum class Binarization {
  kStochastic,  // v = 1 with probability x (u < x, u uniform from a fixed seed)
  kThreshold,   // v = 1 iff x >= 0.5
  kNone,        // use the values as they are (the result is not a log-probability unless they are 0/1)
};

// Parses "stochastic", "threshold" or "none"; throws dbm::UsageError naming `text`.
Binarization parse_binarization(const std::string& text);
const char* to_string(Binarization binarization);

// Binary copy of `data` (N x D in [0, 1]). kStochastic draws from
// RandomStream(seed, stream) in row-major order, so example n always gets the same
// draws whatever --limit keeps after it.
RowMajorMatrix binarize(const Eigen::Ref<const RowMajorMatrix>& data, Binarization binarization,
                        std::uint64_t seed);

// True when every entry of `data` is 0 or 1.
bool is_binary(const Eigen::Ref<const RowMajorMatrix>& data);

// log p*(v) = -F(v) of every row for a one-hidden-layer model (dbm.n_layers() == 1),
// in double. Throws dbm::UsageError for a deeper model or a wrong data width.
VectorD rbm_log_unnormalised(const model::Dbm& rbm, const Eigen::Ref<const RowMajorMatrix>& data);

struct LowerBoundOptions {
  int max_steps = 100;        // mean-field sweeps at most
  float tolerance = 1e-7f;    // stop when every layer's mean |delta mu| is below
  Index batch_size = 500;     // examples per mean-field batch
};

struct LowerBound {
  VectorD values;             // per example: the right-hand side of (5.4) without -log Z
  double mean_steps = 0.0;    // mean-field sweeps used, averaged over batches (by examples)
};

// The mean-field bound (5.4) of every row of `data` (N x N_0, binary), without the
// -log Z term (subtract log Z, exact or estimated, from values or their mean). Throws
// dbm::UsageError for a wrong data width or bad options.
LowerBound mean_field_lower_bound(const model::Dbm& dbm,
                                  const Eigen::Ref<const RowMajorMatrix>& data,
                                  const LowerBoundOptions& options = {});

}  // namespace dbm::eval
