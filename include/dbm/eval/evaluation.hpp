#pragma once
// The whole evaluation of SPEC §2 `evaluate` on a binary data set: log Z (exact when
// the model is small enough, AIS otherwise or in addition) and the average
// log-likelihood in nats, exact for an RBM given log Z and the mean-field lower
// bound for a DBM (ALGORITHM.md §5). The caller loads and binarises the data and
// chooses the AIS base rate; nothing here prints or touches files.

#include <optional>

#include "dbm/core/types.hpp"
#include "dbm/eval/ais.hpp"
#include "dbm/eval/exact.hpp"
#include "dbm/eval/likelihood.hpp"
#include "dbm/model/dbm.hpp"

namespace dbm::eval {

struct EvaluationOptions {
  // AIS settings; n_runs == 0 skips AIS, which is allowed only when log Z is exact.
  AisOptions ais;
  LowerBoundOptions lower_bound;
  // Exact log Z when its enumeration has at most this many units (0: never).
  int max_enumerated_units = kMaxEnumeratedUnits;
  // Exact log p(v) of every example (a DBM's true likelihood, next to its bound)
  // when, in addition, N * 2^n states suffice, n the hidden units enumerated per example.
  double max_exact_likelihood_states = 67108864.0;  // 2^26
};

struct Evaluation {
  Index n_examples = 0;
  Index n_layers = 0;                     // L; 1 is an RBM

  std::optional<double> exact_log_z;      // when enumerable
  std::optional<AisResult> ais;           // when AIS ran
  double log_z = 0.0;                     // the value used below: exact if known, else AIS
  bool log_z_is_exact = false;

  // Per-example mean of log p*(v) = -F(v) (RBM) or of the bound (5.4) without -log Z (DBM).
  double mean_log_unnormalised = 0.0;
  // mean_log_unnormalised - log_z: the average log-likelihood (RBM, exact given log Z)
  // or its mean-field lower bound (DBM), in nats.
  double mean_log_likelihood = 0.0;
  // The same with log Z at the ends of the AIS interval (equal to the value when log Z
  // is exact): [mean - log_z_high, mean - log_z_low]; +inf when log_z_low is -inf.
  double mean_log_likelihood_low = 0.0;
  double mean_log_likelihood_high = 0.0;
  // Exact average log p(v), when both enumerations are affordable (for an RBM it
  // equals mean_log_likelihood; for a DBM the bound's gap is this minus the bound).
  std::optional<double> exact_mean_log_likelihood;
  double mean_field_steps = 0.0;          // DBM: average sweeps used

  double exact_seconds = 0.0;
  double ais_seconds = 0.0;
  double likelihood_seconds = 0.0;
};

// Evaluates `dbm` on `data` (N x N_0, binary: see binarize()). Throws
// dbm::UsageError for a wrong data width, empty data, bad options, or AIS switched off
// for a model whose log Z cannot be enumerated.
Evaluation evaluate(const model::Dbm& dbm, const Eigen::Ref<const RowMajorMatrix>& data,
                    const EvaluationOptions& options, const AisProgress& progress = {});

}  // namespace dbm::eval
