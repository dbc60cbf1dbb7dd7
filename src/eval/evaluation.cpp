#include "dbm/eval/evaluation.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "dbm/core/error.hpp"

namespace dbm::eval {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Evaluation evaluate(const model::Dbm& dbm, const Eigen::Ref<const RowMajorMatrix>& data,
                    const EvaluationOptions& options, const AisProgress& progress) {
  if (data.rows() == 0) throw UsageError("evaluate: the data set is empty");
  if (data.cols() != dbm.layer_size(0)) {
    throw UsageError("evaluate: the data have " + std::to_string(data.cols()) +
                     " pixels per example but the model has " +
                     std::to_string(dbm.layer_size(0)) + " visible units");
  }
  Evaluation result;
  result.n_examples = data.rows();
  result.n_layers = dbm.n_layers();

  const bool enumerable = can_enumerate_log_partition(dbm, options.max_enumerated_units);
  if (!enumerable && options.ais.n_runs == 0) {
    throw UsageError("--ais-runs 0: log Z of this model is too large to enumerate (" +
                     std::to_string(plan_log_partition(dbm).n_units) +
                     " units), so AIS needs at least 2 runs");
  }
  if (enumerable) {
    const auto start = std::chrono::steady_clock::now();
    result.exact_log_z = exact_log_partition(dbm, options.max_enumerated_units);
    result.exact_seconds = seconds_since(start);
  }
  if (options.ais.n_runs > 0) {
    const auto start = std::chrono::steady_clock::now();
    result.ais = ais_log_partition(dbm, options.ais, progress);
    result.ais_seconds = seconds_since(start);
  }
  result.log_z_is_exact = result.exact_log_z.has_value();
  result.log_z = result.log_z_is_exact ? *result.exact_log_z : result.ais->log_z;
  const double log_z_low = result.log_z_is_exact ? result.log_z : result.ais->log_z_low;
  const double log_z_high = result.log_z_is_exact ? result.log_z : result.ais->log_z_high;

  const auto start = std::chrono::steady_clock::now();
  if (dbm.n_layers() == 1) {
    result.mean_log_unnormalised = rbm_log_unnormalised(dbm, data).mean();
  } else {
    const LowerBound bound = mean_field_lower_bound(dbm, data, options.lower_bound);
    result.mean_log_unnormalised = bound.values.mean();
    result.mean_field_steps = bound.mean_steps;
  }
  result.mean_log_likelihood = result.mean_log_unnormalised - result.log_z;
  result.mean_log_likelihood_low = result.mean_log_unnormalised - log_z_high;
  result.mean_log_likelihood_high = std::isinf(log_z_low)
                                        ? std::numeric_limits<double>::infinity()
                                        : result.mean_log_unnormalised - log_z_low;

  if (result.log_z_is_exact) {
    if (dbm.n_layers() == 1) {
      result.exact_mean_log_likelihood = result.mean_log_likelihood;
    } else {
      const Index n_units = plan_log_unnormalised(dbm).n_units;
      const double states = static_cast<double>(data.rows()) * std::ldexp(1.0, static_cast<int>(n_units));
      if (n_units <= options.max_enumerated_units && states <= options.max_exact_likelihood_states) {
        result.exact_mean_log_likelihood =
            exact_log_unnormalised(dbm, data, options.max_enumerated_units).mean() - result.log_z;
      }
    }
  }
  result.likelihood_seconds = seconds_since(start);
  return result;
}

}  // namespace dbm::eval
