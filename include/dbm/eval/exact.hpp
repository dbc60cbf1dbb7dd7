#pragma once
// Exact log partition function and exact log p(v) by enumeration, for models small
// enough (ALGORITHM.md §5.1). Used by the tests and by `train_dbm evaluate` when it
// applies.
//
// The layers of a DBM split into two parities, E = {x_0 = v, x_2, x_4, ...} and
// O = {x_1, x_3, ...}. Given one parity the other is a product of independent
// Bernoullis, so it can be summed out analytically. Enumerating parity P:
//
//   log p*(x_P) = sum_{l in P} a_l . x_l
//               + sum_{m not in P} sum_units softplus(a_m + x_{m-1} W_m + x_{m+1} W_{m+1}^T)
//   log Z       = LSE_{x_P} log p*(x_P)                                          (5.1)
//
// and the parity with fewer units is the one enumerated. An RBM (L = 1) enumerates
// the smaller of v and h, as calculate_true_partition.m does.
//
// Exact log p(v): given v, the hidden layers x_1..x_L form a DBM of their own whose
// first layer has the shifted bias a_1 + v W_1, so
//
//   log p*(v) = a_0 . v + log Z(hidden DBM given v),   log p(v) = log p*(v) - log Z,
//
// and that hidden DBM is enumerated the same way (its smaller parity).
//
// Everything here is in double and streams the log-sum-exp with a running maximum
// (ALGORITHM.md §6). States are enumerated in fixed chunks spread over the threads
// and combined in chunk order, so the result does not depend on --threads.
// The cost is 2^n times the size of the summed-out parity, so enumeration refuses
// models whose enumerated parity has more than `max_units` units.

#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"

namespace dbm::eval {

// Default limit on the number of enumerated binary units (2^25 = 33.5M states: about
// a minute for a 784-visible model on two cores).
inline constexpr int kMaxEnumeratedUnits = 25;

// Which parity an exact computation enumerates (0: the even layers, 1: the odd ones)
// and how many units that parity has.
struct EnumerationPlan {
  int parity = 0;
  Index n_units = 0;
};

// The plan for log Z: the parity with fewer units (the odd one on a tie).
EnumerationPlan plan_log_partition(const model::Dbm& dbm);

// The plan for log p*(v): the smaller parity of the hidden layers x_1..x_L.
EnumerationPlan plan_log_unnormalised(const model::Dbm& dbm);

// True when plan_log_partition(dbm) enumerates at most `max_units` units.
bool can_enumerate_log_partition(const model::Dbm& dbm, int max_units = kMaxEnumeratedUnits);

// Exact log Z (5.1). Throws dbm::UsageError, naming the layer sizes and the limit
// and suggesting AIS, when more than `max_units` units would be enumerated.
double exact_log_partition(const model::Dbm& dbm, int max_units = kMaxEnumeratedUnits);

// Exact unnormalised log-probability log p*(v) = log sum_h exp(-E(v, h)) of every row
// of `data` (N x N_0, binary), in double. Cost: N * 2^n with n the units of
// plan_log_unnormalised(dbm). Throws dbm::UsageError if n exceeds `max_units`.
// Subtract log Z for log p(v).
VectorD exact_log_unnormalised(const model::Dbm& dbm,
                               const Eigen::Ref<const RowMajorMatrix>& data,
                               int max_units = kMaxEnumeratedUnits);

}  // namespace dbm::eval
