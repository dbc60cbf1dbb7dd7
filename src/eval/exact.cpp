#include "dbm/eval/exact.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"

namespace dbm::eval {
namespace {

// States per chunk: rows of the enumerated-state matrices.
constexpr Index kChunkRows = 1024;

std::string join_sizes(const std::vector<int>& sizes) {
  std::string text;
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? "-" : "") + std::to_string(sizes[i]);
  return text;
}

EnumerationPlan smaller_parity(const std::vector<Index>& sizes) {
  Index units[2] = {0, 0};
  for (size_t l = 0; l < sizes.size(); ++l) units[l % 2] += sizes[l];
  return units[1] <= units[0] ? EnumerationPlan{1, units[1]} : EnumerationPlan{0, units[0]};
}

// Running log-sum-exp: value = max + log(sum).
struct LogSum {
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0.0;

  void add(const LogSum& other) {
    if (other.sum == 0.0) return;
    if (other.max > max) {
      sum = sum * std::exp(max - other.max) + other.sum;
      max = other.max;
    } else {
      sum += other.sum * std::exp(other.max - max);
    }
  }
  double value() const { return max + std::log(sum); }
};

// log Z of the layered model (weights[l-1] joins layers l-1 and l; weights may be
// empty for a single layer) by enumerating parity `plan.parity`. With `parallel`
// the chunks are spread over the threads; the result is the same either way.
double enumerate_log_partition(const std::vector<MatrixD>& weights,
                               const std::vector<VectorD>& biases, const EnumerationPlan& plan,
                               bool parallel) {
  const Index L = static_cast<Index>(weights.size());
  const std::uint64_t n_states = std::uint64_t{1} << plan.n_units;
  const Index chunk = static_cast<Index>(std::min<std::uint64_t>(n_states, kChunkRows));
  const Index n_chunks = static_cast<Index>(n_states / static_cast<std::uint64_t>(chunk));

  std::vector<Index> bit_offset(static_cast<size_t>(L + 1), 0);
  for (Index l = plan.parity, offset = 0; l <= L; l += 2) {
    bit_offset[l] = offset;
    offset += biases[l].size();
  }

  std::vector<LogSum> chunk_sums(static_cast<size_t>(n_chunks));
#pragma omp parallel num_threads(thread_count()) if (parallel && n_chunks > 1)
  {
    std::vector<MatrixD> x(static_cast<size_t>(L + 1));
    for (Index l = 0; l <= L; ++l) x[l].resize(chunk, biases[l].size());
    VectorD score(chunk);
#pragma omp for schedule(static)
    for (Index c = 0; c < n_chunks; ++c) {
      const std::uint64_t first = static_cast<std::uint64_t>(c) * static_cast<std::uint64_t>(chunk);
      score.setZero();
      for (Index l = plan.parity; l <= L; l += 2) {
        for (Index i = 0; i < x[l].cols(); ++i) {
          const auto shift = static_cast<unsigned>(bit_offset[l] + i);
          for (Index r = 0; r < chunk; ++r) {
            x[l](r, i) = static_cast<double>(((first + static_cast<std::uint64_t>(r)) >> shift) & 1);
          }
        }
        score.noalias() += x[l] * biases[l];
      }
      // The other parity, summed out: x[m] holds its total input.
      for (Index m = 1 - plan.parity; m <= L; m += 2) {
        auto& input = x[m];
        input.rowwise() = biases[m].transpose();
        if (m > 0) input.noalias() += x[m - 1] * weights[m - 1];
        if (m < L) input.noalias() += x[m + 1] * weights[m].transpose();
        const auto z = input.array();
        score += (z.max(0.0) + (1.0 + (-z.abs()).exp()).log()).matrix().rowwise().sum();
      }
      LogSum sum;
      sum.max = score.maxCoeff();
      sum.sum = (score.array() - sum.max).exp().sum();
      chunk_sums[c] = sum;
    }
  }
  LogSum total;
  for (const auto& sum : chunk_sums) total.add(sum);
  return total.value();
}

std::vector<Index> layer_sizes(const model::Dbm& dbm, Index first_layer) {
  std::vector<Index> sizes;
  for (Index l = first_layer; l <= dbm.n_layers(); ++l) sizes.push_back(dbm.layer_size(l));
  return sizes;
}

void check_limit(const model::Dbm& dbm, const EnumerationPlan& plan, int max_units,
                 const char* what) {
  if (plan.n_units > max_units) {
    throw UsageError(std::string("exact ") + what + " of the " + join_sizes(dbm.dimensions()) +
                     " model would enumerate 2^" + std::to_string(plan.n_units) +
                     " states (the limit is 2^" + std::to_string(max_units) +
                     "); use the AIS estimate instead");
  }
}

}  // namespace

EnumerationPlan plan_log_partition(const model::Dbm& dbm) {
  return smaller_parity(layer_sizes(dbm, 0));
}

EnumerationPlan plan_log_unnormalised(const model::Dbm& dbm) {
  // smaller_parity() counts from layer 1; report the parity in the DBM's numbering.
  EnumerationPlan plan = smaller_parity(layer_sizes(dbm, 1));
  plan.parity = 1 - plan.parity;
  return plan;
}

bool can_enumerate_log_partition(const model::Dbm& dbm, int max_units) {
  return plan_log_partition(dbm).n_units <= max_units;
}

double exact_log_partition(const model::Dbm& dbm, int max_units) {
  const EnumerationPlan plan = plan_log_partition(dbm);
  check_limit(dbm, plan, max_units, "log Z");
  std::vector<MatrixD> weights;
  std::vector<VectorD> biases;
  for (const auto& w : dbm.weights) weights.push_back(w.cast<double>());
  for (const auto& a : dbm.biases) biases.push_back(a.cast<double>());
  return enumerate_log_partition(weights, biases, plan, true);
}

VectorD exact_log_unnormalised(const model::Dbm& dbm,
                               const Eigen::Ref<const RowMajorMatrix>& data, int max_units) {
  if (data.cols() != dbm.layer_size(0)) {
    throw UsageError("exact log p(v): the data have " + std::to_string(data.cols()) +
                     " pixels per example but the model has " +
                     std::to_string(dbm.layer_size(0)) + " visible units");
  }
  EnumerationPlan plan = plan_log_unnormalised(dbm);
  check_limit(dbm, plan, max_units, "log p(v)");
  plan.parity = 1 - plan.parity;  // in the numbering of the hidden model below

  // The hidden layers as a model of their own: layers 1..L, weights W_2..W_L.
  std::vector<MatrixD> hidden_weights;
  std::vector<VectorD> hidden_biases;
  for (Index l = 1; l < dbm.n_layers(); ++l) hidden_weights.push_back(dbm.weights[l].cast<double>());
  for (Index l = 1; l <= dbm.n_layers(); ++l) hidden_biases.push_back(dbm.biases[l].cast<double>());
  const MatrixD w1 = dbm.weights[0].cast<double>();
  const VectorD a0 = dbm.biases[0].cast<double>();
  const VectorD a1 = hidden_biases[0];

  // Small enumerations run one example per thread; large ones spread each
  // enumeration over the threads instead.
  const bool per_example_parallel = plan.n_units < 14;
  VectorD result(data.rows());
#pragma omp parallel num_threads(thread_count()) if (per_example_parallel && data.rows() > 1)
  {
    std::vector<VectorD> biases = hidden_biases;
#pragma omp for schedule(static)
    for (Index n = 0; n < data.rows(); ++n) {
      const VectorD v = data.row(n).transpose().cast<double>();
      biases[0].noalias() = a1 + w1.transpose() * v;
      result[n] = a0.dot(v) +
                  enumerate_log_partition(hidden_weights, biases, plan, !per_example_parallel);
    }
  }
  return result;
}

}  // namespace dbm::eval
