#pragma once
// Annealed importance sampling (AIS) estimates of log Z for an RBM or a DBM of any
// depth (ALGORITHM.md §5.2, §5.3; Salakhutdinov & Murray 2008, Salakhutdinov &
// Hinton 2009).
//
// Base model A: zero weights, visible bias b_A (the base rate of the training data,
// base_rate_visible_bias(); zero gives the uniform distribution) and zero hidden
// biases, so
//
//   log Z_A = sum_i softplus(b_A,i) + (sum_{l>=1} N_l) log 2.
//
// Path: W_l(beta) = beta W_l, a_l(beta) = (1 - beta) a_l^A + beta a_l. One parity P of
// the layers is tracked and the other summed out analytically:
//
//   log p*_beta(x_P) = sum_{l in P} a_l(beta) . x_l
//                    + sum_{m not in P} sum_units softplus(a_m(beta) + beta (x_{m-1} W_m + x_{m+1} W_{m+1}^T))
//
// An RBM tracks v and sums out h (§5.2, RBM_AIS.m); a deeper DBM tracks the odd
// layers x_1, x_3, ... and sums out v, x_2, ... (§5.3). Either choice is exact in
// expectation; `AisOptions::tracked_parity` overrides it.
//
// Estimator, with M runs advanced together as the rows of one batch:
//
//   x ~ p_A (independent Bernoullis: sigma(b_A) for v, 1/2 for hidden units); log w = 0
//   for k = 1..K: log w += log p*_{beta_k}(x) - log p*_{beta_{k-1}}(x)
//                 if k < K: x <- T_{beta_k}(x)   (sweeps_per_beta block-Gibbs sweeps:
//                                                 the summed parity given P, then P)
//   log Z^ = log Z_A + log mean_m w_m
//
// with r^ = mean(w), s^ = sd(w)/sqrt(M) computed on w_m = exp(log w_m - max log w) and
// the interval log Z_A + log(r^ -+ 3 s^) (the lower end is -inf when r^ <= 3 s^).
// AIS tends to underestimate log Z (E[log Z^] <= log Z), which inflates likelihoods.
//
// Precision (ALGORITHM.md §6): the products run in float32 through multiply(); the
// pre-activations are converted to double before every softplus, and log weights,
// their increments, log Z_A and the error bars are double.
//
// Speed: per inverse temperature the work is two passes of products over all the
// weights (one to score and sample the summed parity, one to resample the tracked
// parity), since the same products serve the increment and the transition. All
// buffers are allocated before the beta loop. Random numbers come from counter-based
// streams of `seed`, and every sum has a fixed order, so the estimate is the same at
// any --threads.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"

namespace dbm::eval {

enum class BetaSchedule {
  // Salakhutdinov & Murray's spacing, scaled to K steps: 500/14,500 of the steps
  // evenly on [0, 0.5], 4,000/14,500 on [0.5, 0.9], 10,000/14,500 on [0.9, 1]. At
  // K = 14,500 it is their 0:0.001:0.5, 0.5:0.0001:0.9, 0.9:0.00001:1 de-duplicated.
  kPiecewiseLinear,
  // K equal steps on [0, 1] (Salakhutdinov & Hinton 2009 used 20,000).
  kUniform,
};

// Parses "piecewise" or "uniform"; throws dbm::UsageError naming `text`.
BetaSchedule parse_beta_schedule(const std::string& text);
const char* to_string(BetaSchedule schedule);

// The K + 1 inverse temperatures 0 = beta_0 < beta_1 < ... < beta_K = 1.
// Throws dbm::UsageError ("--ais-betas ...") if n_steps < 1, or < 3 for the
// piecewise-linear schedule (one step per segment at least).
std::vector<double> beta_schedule(Index n_steps, BetaSchedule schedule);

// The base-rate visible bias of ALGORITHM.md §5.2 (base_rate.m): b_A,i = logit(p_i)
// with p_i = (sum_n x_ni + 5 n_b) / (N + 5 n_b) and n_b = N / 100, a pseudo-count of
// 5 per batch of 100. `data` (N x D, values in [0, 1], N >= 1) is the training set
// (grey values are fine: their sum plays the count). p is capped at 1 - 1e-6 so that
// a pixel on in every example gives a large finite bias rather than +inf.
Vector base_rate_visible_bias(const Eigen::Ref<const RowMajorMatrix>& data);

struct AisOptions {
  Index n_runs = 100;      // M, the rows of the batch of chains (>= 2 for an error bar)
  Index n_betas = 20000;   // K, the number of annealing steps (intermediate distributions)
  BetaSchedule schedule = BetaSchedule::kPiecewiseLinear;
  int sweeps_per_beta = 1; // block-Gibbs sweeps of the transition T_beta
  std::uint64_t seed = 1;
  Vector base_visible_bias;  // b_A (N_0 entries); empty: zeros, the uniform base
  int tracked_parity = -1;   // -1: v for an RBM, the odd layers for a DBM; or 0 / 1
};

struct AisResult {
  double log_z = 0.0;       // log Z^
  double log_z_low = 0.0;   // log(Z^ - 3 s^); -inf when the interval reaches 0
  double log_z_high = 0.0;  // log(Z^ + 3 s^)
  double log_z_base = 0.0;  // log Z_A
  VectorD log_weights;      // log w_m of every run (log Z^ = log Z_A + LME(log w))
  Index n_runs = 0;
  Index n_betas = 0;
  int tracked_parity = 0;
};

// Called every ~1 % of the annealing steps with (steps done, total steps).
using AisProgress = std::function<void(Index done, Index total)>;

// Runs AIS on `dbm` (any depth). Throws dbm::UsageError for options that cannot
// work (fewer than 2 runs, a bad schedule length, sweeps < 1, a parity other than
// -1/0/1, or a base bias of the wrong length).
AisResult ais_log_partition(const model::Dbm& dbm, const AisOptions& options,
                            const AisProgress& progress = {});

// The estimate and interval from log weights (the last step of the estimator above):
// fills log_z, log_z_low and log_z_high of `result` from result.log_weights and
// result.log_z_base.
void summarise_log_weights(AisResult& result);

}  // namespace dbm::eval
