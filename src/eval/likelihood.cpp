#include "dbm/eval/likelihood.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"

namespace dbm::eval {
namespace {

// Stream id of the stochastic binarisation within its seed.
constexpr std::uint64_t kBinarizeStream = 0xB1A;

void check_width(const model::Dbm& dbm, Index columns, const char* what) {
  if (columns != dbm.layer_size(0)) {
    throw UsageError(std::string(what) + ": the data have " + std::to_string(columns) +
                     " pixels per example but the model has " +
                     std::to_string(dbm.layer_size(0)) + " visible units");
  }
}

// out = lhs * rhs in double, in the engine's column panels over the threads
// (Eigen's own threading is off in this build).
void multiply_double(MatrixD& out, const MatrixD& lhs, const MatrixD& rhs) {
  for_each_panel(out.cols(), [&](Index begin, Index width) {
    out.middleCols(begin, width).noalias() = lhs * rhs.middleCols(begin, width);
  });
}

// Sum over each row of the Bernoulli entropies of mu, with 0 log 0 = 0.
VectorD entropy_row_sums(const MatrixD& mu) {
  const auto m = mu.array();
  const auto on = (m > 0.0).select(-m * m.log(), 0.0);
  const auto off = (m < 1.0).select(-(1.0 - m) * (1.0 - m).log(), 0.0);  // 1 - mu is exact
  return (on + off).matrix().rowwise().sum();
}

}  // namespace

Binarization parse_binarization(const std::string& text) {
  if (text == "stochastic") return Binarization::kStochastic;
  if (text == "threshold") return Binarization::kThreshold;
  if (text == "none") return Binarization::kNone;
  throw UsageError("--binarize: expected stochastic, threshold or none, got '" + text + "'");
}

const char* to_string(Binarization binarization) {
  switch (binarization) {
    case Binarization::kStochastic: return "stochastic";
    case Binarization::kThreshold: return "threshold";
    case Binarization::kNone: return "none";
  }
  return "?";
}

RowMajorMatrix binarize(const Eigen::Ref<const RowMajorMatrix>& data, Binarization binarization,
                        std::uint64_t seed) {
  RowMajorMatrix out(data.rows(), data.cols());
  switch (binarization) {
    case Binarization::kNone:
      out = data;
      break;
    case Binarization::kThreshold:
      out = (data.array() >= 0.5f).cast<float>();
      break;
    case Binarization::kStochastic: {
      RandomStream rng(seed, kBinarizeStream);
      rng.fill_uniform(out.data(), out.size());
      out = (out.array() < data.array()).cast<float>();
      break;
    }
  }
  return out;
}

bool is_binary(const Eigen::Ref<const RowMajorMatrix>& data) {
  return ((data.array() == 0.0f) || (data.array() == 1.0f)).all();
}

VectorD rbm_log_unnormalised(const model::Dbm& rbm, const Eigen::Ref<const RowMajorMatrix>& data) {
  if (rbm.n_layers() != 1) {
    throw UsageError("log p*(v) by free energy needs a one-hidden-layer model, got " +
                     std::to_string(rbm.n_layers()) + " hidden layers");
  }
  check_width(rbm, data.cols(), "free energy");
  const MatrixD w = rbm.weights[0].cast<double>();
  const VectorD a0 = rbm.biases[0].cast<double>();
  const Eigen::RowVectorXd a1 = rbm.biases[1].cast<double>().transpose();
  constexpr Index kBatch = 500;
  VectorD result(data.rows());
  MatrixD v, input;
  for (Index start = 0; start < data.rows(); start += kBatch) {
    const Index b = std::min(kBatch, data.rows() - start);
    v = data.middleRows(start, b).cast<double>();
    input.resize(b, w.cols());
    multiply_double(input, v, w);
    input.rowwise() += a1;
    const auto z = input.array();
    result.segment(start, b) =
        v * a0 + (z.max(0.0) + (1.0 + (-z.abs()).exp()).log()).matrix().rowwise().sum();
  }
  return result;
}

LowerBound mean_field_lower_bound(const model::Dbm& dbm,
                                  const Eigen::Ref<const RowMajorMatrix>& data,
                                  const LowerBoundOptions& options) {
  check_width(dbm, data.cols(), "mean-field bound");
  if (options.max_steps < 1) {
    throw UsageError("--mean-field-steps: must be at least 1, got " +
                     std::to_string(options.max_steps));
  }
  if (options.batch_size < 1) {
    throw UsageError("mean-field batch size: must be at least 1, got " +
                     std::to_string(options.batch_size));
  }
  const Index L = dbm.n_layers();
  std::vector<MatrixD> w;
  std::vector<VectorD> a;
  for (const auto& weights : dbm.weights) w.push_back(weights.cast<double>());
  for (const auto& bias : dbm.biases) a.push_back(bias.cast<double>());

  LowerBound bound;
  bound.values.resize(data.rows());
  model::DbmWorkspace ws;
  std::vector<MatrixD> mu(static_cast<size_t>(L + 1));
  MatrixD product;
  double weighted_steps = 0.0;
  for (Index start = 0; start < data.rows(); start += options.batch_size) {
    const Index b = std::min(options.batch_size, data.rows() - start);
    if (ws.batch_size() != b) ws.resize(dbm, b);
    ws.layers[0] = data.middleRows(start, b);
    const int steps = model::mean_field(dbm, ws, options.max_steps, options.tolerance);
    weighted_steps += static_cast<double>(steps) * static_cast<double>(b);

    // The bound for exactly the mu that inference produced, in double.
    for (Index l = 0; l <= L; ++l) mu[l] = ws.layers[l].cast<double>();
    auto values = bound.values.segment(start, b);
    values = mu[0] * a[0];
    for (Index l = 1; l <= L; ++l) {
      product.resize(b, dbm.layer_size(l));
      multiply_double(product, mu[l - 1], w[l - 1]);
      values += product.cwiseProduct(mu[l]).rowwise().sum() + mu[l] * a[l] +
                entropy_row_sums(mu[l]);
    }
  }
  bound.mean_steps = data.rows() > 0 ? weighted_steps / static_cast<double>(data.rows()) : 0.0;
  return bound;
}

}  // namespace dbm::eval
