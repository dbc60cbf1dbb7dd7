#include "dbm/eval/ais.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"

namespace dbm::eval {
namespace {

// Columns per task of the element-wise passes. Tasks are fixed by the layer sizes
// alone, so the work (and every sum) is the same at any thread count.
constexpr Index kPanel = 64;
// Stream id of the AIS chains within the seed.
constexpr std::uint64_t kAisStream = 0xA15;
// Element-wise passes smaller than this run on one thread: a parallel region costs
// more than it saves on tiny models.
constexpr Index kParallelElements = 1 << 15;

// softplus(z) = max(z, 0) + log(1 + exp(-|z|)) as an Eigen array expression (double).
// log(1 + e) rather than log1p(e): Eigen vectorises exp and log but not log1p for
// double, and for e in (0, 1] the absolute error of log(1 + e) stays below 2e-16,
// which is all that sums of softplus terms need.
template <typename Z>
auto softplus_expr(const Z& z) {
  return z.max(0.0) + (1.0 + (-z.abs()).exp()).log();
}

struct Panel {
  Index layer;
  Index begin;
  Index width;
};

// Every buffer the annealing loop touches, allocated once.
class AisChains {
 public:
  AisChains(const model::Dbm& dbm, const AisOptions& options, int parity)
      : dbm_(dbm), parity_(parity), rng_(options.seed, kAisStream) {
    const Index L = dbm.n_layers();
    const Index M = options.n_runs;
    // Products with W^T read a plain copy: packing a transposed operand costs twice as much.
    for (const auto& w : dbm.weights) transposed_.push_back(w.transpose());
    for (Index l = 0; l <= L; ++l) {
      const Index n = dbm.layer_size(l);
      x_.emplace_back(M, n);
      input_.emplace_back(M, n);
      uniform_.emplace_back(M, n);
      Vector base = Vector::Zero(n);
      if (l == 0 && options.base_visible_bias.size() > 0) base = options.base_visible_bias;
      base_.push_back(base.cast<double>());
      diff_.push_back((dbm.biases[l] - base).cast<double>());
      base_f_.push_back(base);
      diff_f_.push_back(dbm.biases[l] - base);
      for (Index begin = 0; begin < n; begin += kPanel) {
        const Panel panel{l, begin, std::min(kPanel, n - begin)};
        (l % 2 == parity ? tracked_panels_ : summed_panels_).push_back(panel);
      }
    }
    partial_.setZero(M, static_cast<Index>(summed_panels_.size()));
    slope_.setZero(M, static_cast<Index>(summed_panels_.size()));
    probability_.setZero(
        M, static_cast<Index>(std::max(summed_panels_.size(), tracked_panels_.size())));
    summed_elements_ = M * panels_columns(summed_panels_);
    linear_.setZero(M);
  }

  double log_z_base() const {
    double total = 0.0;
    for (const auto& base : base_) total += softplus_expr(base.array()).sum();
    return total;
  }

  // x_P ~ p_A: independent Bernoullis with the base biases.
  void sample_tracked_from_base() {
    for (Index l = parity_; l <= dbm_.n_layers(); l += 2) {
      rng_.fill_uniform(uniform_[l].data(), uniform_[l].size());
      for (Index j = 0; j < x_[l].cols(); ++j) {
        const float p = 1.0f / (1.0f + std::exp(-base_f_[l][j]));
        x_[l].col(j) = (uniform_[l].col(j).array() < p).cast<float>().matrix();
      }
    }
    update_linear();
  }

  // log w += log p*_{beta1}(x_P) - log p*_{beta0}(x_P). With `sample`, also draws the
  // summed parity from its conditional at beta1 (the first half of T_{beta1}).
  void accumulate_and_sample_summed(VectorD& log_w, double beta0, double beta1, bool sample) {
    compute_inputs(1 - parity_);
    if (sample) fill_uniforms(1 - parity_);
    const auto n_panels = static_cast<Index>(summed_panels_.size());
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (n_panels > 1 && summed_elements_ >= kParallelElements)
    for (Index t = 0; t < n_panels; ++t) {
      const Panel& panel = summed_panels_[t];
      const Index m = panel.layer;
      auto acc = partial_.col(t).array();
      auto g = slope_.col(t).array();
      acc.setZero();
      for (Index j = panel.begin; j < panel.begin + panel.width; ++j) {
        // Pre-activations go to double before the softplus (ALGORITHM.md §6). The
        // conversion has its own loop so that the expression below vectorises.
        g = input_[m].col(j).array().cast<double>() + diff_[m][j];
        const auto z1 = base_[m][j] + beta1 * g;
        const auto z0 = base_[m][j] + beta0 * g;
        acc += softplus_expr(z1) - softplus_expr(z0);
        if (sample) sample_column(m, j, static_cast<float>(beta1), t);
      }
    }
    log_w += (beta1 - beta0) * linear_;
    for (Index t = 0; t < n_panels; ++t) log_w += partial_.col(t);
  }

  // Draws the summed parity given the tracked one at `beta` (no weight update).
  void sample_summed(double beta) {
    compute_inputs(1 - parity_);
    fill_uniforms(1 - parity_);
    sample_panels(summed_panels_, static_cast<float>(beta));
  }

  // Draws the tracked parity given the summed one at `beta` (the second half of T_beta).
  void sample_tracked(double beta) {
    compute_inputs(parity_);
    fill_uniforms(parity_);
    sample_panels(tracked_panels_, static_cast<float>(beta));
    update_linear();
  }

 private:
  static Index panels_columns(const std::vector<Panel>& panels) {
    Index columns = 0;
    for (const auto& panel : panels) columns += panel.width;
    return columns;
  }

  // input_[l] = x_{l-1} W_l + x_{l+1} W_{l+1}^T for every layer l of `parity`.
  void compute_inputs(int parity) {
    const Index L = dbm_.n_layers();
    for (Index l = parity; l <= L; l += 2) {
      if (l > 0) {
        multiply(input_[l], x_[l - 1], dbm_.weights[l - 1]);
        if (l < L) multiply_add(input_[l], x_[l + 1], transposed_[l]);
      } else {
        multiply(input_[l], x_[l + 1], transposed_[l]);
      }
    }
  }

  void fill_uniforms(int parity) {
    for (Index l = parity; l <= dbm_.n_layers(); l += 2) {
      rng_.fill_uniform(uniform_[l].data(), uniform_[l].size());
    }
  }

  // x_l = Bern(sigma(a_l^A + beta (input_l + a_l - a_l^A))) over the given panels.
  void sample_panels(const std::vector<Panel>& panels, float beta) {
    const auto n_panels = static_cast<Index>(panels.size());
    const Index elements = x_[0].rows() * panels_columns(panels);
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (n_panels > 1 && elements >= kParallelElements)
    for (Index t = 0; t < n_panels; ++t) {
      const Panel& panel = panels[t];
      for (Index j = panel.begin; j < panel.begin + panel.width; ++j) {
        sample_column(panel.layer, j, beta, t);
      }
    }
  }

  // x_l(:, j) = Bern(sigma(a^A + beta (input + a - a^A))) with the stored uniforms;
  // column `scratch` of probability_ holds the probabilities on the way.
  void sample_column(Index l, Index j, float beta, Index scratch) {
    auto p = probability_.col(scratch);
    const auto z = base_f_[l][j] + beta * (input_[l].col(j).array() + diff_f_[l][j]);
    p.array() = (1.0f + (-z).exp()).inverse();
    const float* u = uniform_[l].col(j).data();
    float* x = x_[l].col(j).data();
    for (Index i = 0; i < p.size(); ++i) x[i] = u[i] < p[i] ? 1.0f : 0.0f;
  }

  // linear_ = sum_{l in P} x_l . (a_l - a_l^A): the slope in beta of the tracked
  // parity's own terms.
  void update_linear() {
    linear_.setZero();
    for (Index l = parity_; l <= dbm_.n_layers(); l += 2) {
      for (Index j = 0; j < x_[l].cols(); ++j) {
        linear_ += diff_[l][j] * x_[l].col(j).cast<double>();
      }
    }
  }

  const model::Dbm& dbm_;
  const int parity_;
  RandomStream rng_;
  std::vector<Matrix> transposed_;  // W_l^T, N_l x N_{l-1}
  std::vector<Matrix> x_;        // M x N_l: the chains' states (all layers)
  std::vector<Matrix> input_;    // M x N_l: products from the neighbours
  std::vector<Matrix> uniform_;  // M x N_l: the uniforms of one draw
  std::vector<VectorD> base_, diff_;  // a^A_l and a_l - a^A_l, double
  std::vector<Vector> base_f_, diff_f_;  // the same in float, for sampling
  std::vector<Panel> tracked_panels_, summed_panels_;
  MatrixD partial_;  // M x (summed panels): each panel's increments
  MatrixD slope_;    // M x (summed panels): scratch column per panel, double
  Matrix probability_;  // M x (panels): scratch column per panel, float
  Index summed_elements_ = 0;
  VectorD linear_;   // M
};

}  // namespace

BetaSchedule parse_beta_schedule(const std::string& text) {
  if (text == "piecewise") return BetaSchedule::kPiecewiseLinear;
  if (text == "uniform") return BetaSchedule::kUniform;
  throw UsageError("--ais-schedule: expected piecewise or uniform, got '" + text + "'");
}

const char* to_string(BetaSchedule schedule) {
  return schedule == BetaSchedule::kUniform ? "uniform" : "piecewise";
}

std::vector<double> beta_schedule(Index n_steps, BetaSchedule schedule) {
  if (n_steps < 1) {
    throw UsageError("--ais-betas: must be at least 1, got " + std::to_string(n_steps));
  }
  std::vector<double> betas{0.0};
  const auto segment = [&](double from, double to, Index steps) {
    for (Index k = 1; k <= steps; ++k) {
      betas.push_back(from + (to - from) * static_cast<double>(k) / static_cast<double>(steps));
    }
  };
  if (schedule == BetaSchedule::kUniform) {
    segment(0.0, 1.0, n_steps);
  } else {
    // Salakhutdinov & Murray: 500, 4,000 and 10,000 of 14,500 steps.
    const double k = static_cast<double>(n_steps);
    const Index n1 = std::max<Index>(1, std::llround(k * 500.0 / 14500.0));
    const Index n2 = std::max<Index>(1, std::llround(k * 4000.0 / 14500.0));
    const Index n3 = n_steps - n1 - n2;
    if (n3 < 1) {
      throw UsageError("--ais-betas: the piecewise-linear schedule needs at least 3 steps, got " +
                       std::to_string(n_steps));
    }
    segment(0.0, 0.5, n1);
    segment(0.5, 0.9, n2);
    segment(0.9, 1.0, n3);
  }
  betas.back() = 1.0;
  return betas;
}

Vector base_rate_visible_bias(const Eigen::Ref<const RowMajorMatrix>& data) {
  if (data.rows() == 0) throw UsageError("base rate: the training data are empty");
  const double n = static_cast<double>(data.rows());
  const double pseudo = 5.0 * n / 100.0;
  Vector bias(data.cols());
  const VectorD counts = data.cast<double>().colwise().sum().transpose();
  for (Index i = 0; i < data.cols(); ++i) {
    const double p = std::min((counts[i] + pseudo) / (n + pseudo), 1.0 - 1e-6);
    bias[i] = static_cast<float>(std::log(p) - std::log1p(-p));
  }
  return bias;
}

void summarise_log_weights(AisResult& result) {
  const VectorD& log_w = result.log_weights;
  const auto m = static_cast<double>(log_w.size());
  const double top = log_w.maxCoeff();
  const Eigen::ArrayXd w = (log_w.array() - top).exp();
  const double mean = w.mean();
  const double sd = m > 1 ? std::sqrt((w - mean).square().sum() / (m - 1.0)) : 0.0;
  const double spread = 3.0 * sd / std::sqrt(m);
  const double shift = result.log_z_base + top;
  result.log_z = shift + std::log(mean);
  result.log_z_high = shift + std::log(mean + spread);
  result.log_z_low = mean > spread ? shift + std::log(mean - spread)
                                   : -std::numeric_limits<double>::infinity();
}

AisResult ais_log_partition(const model::Dbm& dbm, const AisOptions& options,
                            const AisProgress& progress) {
  if (options.n_runs < 2) {
    throw UsageError("--ais-runs: at least 2 runs are needed for an error bar, got " +
                     std::to_string(options.n_runs));
  }
  if (options.sweeps_per_beta < 1) {
    throw UsageError("AIS sweeps per beta: must be at least 1, got " +
                     std::to_string(options.sweeps_per_beta));
  }
  if (options.tracked_parity < -1 || options.tracked_parity > 1) {
    throw UsageError("AIS tracked parity: expected -1 (auto), 0 or 1, got " +
                     std::to_string(options.tracked_parity));
  }
  if (options.base_visible_bias.size() != 0 &&
      options.base_visible_bias.size() != dbm.layer_size(0)) {
    throw UsageError("AIS base rate: " + std::to_string(options.base_visible_bias.size()) +
                     " visible biases for a model with " + std::to_string(dbm.layer_size(0)) +
                     " visible units");
  }
  const std::vector<double> betas = beta_schedule(options.n_betas, options.schedule);
  const int parity = options.tracked_parity >= 0 ? options.tracked_parity
                                                 : (dbm.n_layers() == 1 ? 0 : 1);

  AisChains chains(dbm, options, parity);
  AisResult result;
  result.n_runs = options.n_runs;
  result.n_betas = options.n_betas;
  result.tracked_parity = parity;
  result.log_z_base = chains.log_z_base();
  result.log_weights = VectorD::Zero(options.n_runs);

  chains.sample_tracked_from_base();
  const Index n_steps = options.n_betas;
  const Index report_every = std::max<Index>(1, n_steps / 100);
  for (Index k = 1; k <= n_steps; ++k) {
    const bool last = k == n_steps;
    chains.accumulate_and_sample_summed(result.log_weights, betas[k - 1], betas[k], !last);
    if (!last) {
      chains.sample_tracked(betas[k]);
      for (int sweep = 1; sweep < options.sweeps_per_beta; ++sweep) {
        chains.sample_summed(betas[k]);
        chains.sample_tracked(betas[k]);
      }
    }
    if (progress && (k % report_every == 0 || last)) progress(k, n_steps);
  }
  summarise_log_weights(result);
  return result;
}

}  // namespace dbm::eval
