#include "dbm/train/config.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "dbm/core/error.hpp"

namespace dbm::train {
namespace {

// Keeps matrices well inside memory and int32 index ranges.
constexpr int kMaxLayerSize = 1 << 20;
// 2^29 float32 weights = 2 GiB per copy (weights, momentum, checkpoint).
constexpr double kMaxWeights = static_cast<double>(1 << 29);

std::string quote(const std::string& s) { return "'" + s + "'"; }

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

}  // namespace

void validate_thread_count(int threads) {
  require(threads >= 0 && threads <= kMaxThreads,
          "--threads: must be between 0 (all cores) and " + std::to_string(kMaxThreads) +
              ", got " + std::to_string(threads));
}

namespace {

void require_positive_int(int value, const char* flag) {
  require(value >= 1, std::string(flag) + ": must be at least 1, got " + std::to_string(value));
}

void require_non_negative_int(int value, const char* flag) {
  require(value >= 0, std::string(flag) + ": must be 0 or more, got " + std::to_string(value));
}

// Gibbs steps per mini-batch: published schedules use 1 to a few hundred; far
// more is a typo that would make one mini-batch take hours.
void require_gibbs_steps(int value, int least, const char* flag) {
  require(value >= least && value <= kMaxGibbsSteps,
          std::string(flag) + ": must be between " + std::to_string(least) + " and " +
              std::to_string(kMaxGibbsSteps) + " Gibbs steps, got " + std::to_string(value));
}

void require_rate(float value, const char* flag) {
  require(std::isfinite(value) && value > 0.0f,
          std::string(flag) + ": must be a finite number above 0, got " + std::to_string(value));
}

void require_fraction(float value, const char* flag) {
  require(std::isfinite(value) && value >= 0.0f && value < 1.0f,
          std::string(flag) + ": must be in [0, 1), got " + std::to_string(value));
}

}  // namespace

std::vector<int> parse_dimensions(const std::string& text) {
  std::vector<int> sizes;
  std::string_view rest(text);
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view field = rest.substr(0, comma);
    int value = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || error != std::errc() || end != field.data() + field.size()) {
      throw UsageError("--dimensions: " + quote(std::string(field)) + " in " + quote(text) +
                       " is not a whole number; give layer sizes like 784,500,1000");
    }
    if (value < 1 || value > kMaxLayerSize) {
      throw UsageError("--dimensions: layer size " + std::to_string(value) + " in " + quote(text) +
                       " must be between 1 and " + std::to_string(kMaxLayerSize));
    }
    sizes.push_back(value);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (sizes.size() < 2) {
    throw UsageError("--dimensions: " + quote(text) +
                     " has one size; give the visible size and at least one hidden size, "
                     "e.g. 784,500");
  }
  return sizes;
}

void TrainConfig::validate() const {
  require(dimensions.size() >= 2, "--dimensions: give at least two layer sizes, e.g. 784,500");
  for (int size : dimensions) {
    require(size >= 1 && size <= kMaxLayerSize,
            "--dimensions: layer size " + std::to_string(size) + " is out of range");
  }
  require(data == "mnist" || data == "fashion_mnist" || data == "faces" ||
              data == "bars_and_stripes",
          "--data: unknown data set " + quote(data) +
              "; choose mnist, fashion_mnist, faces or bars_and_stripes");
  require_rate(learning_rate, "--learning-rate");
  require_rate(finetune_learning_rate, "--finetune-learning-rate");
  require_gibbs_steps(k1, 1, "--k1");
  require_gibbs_steps(k2, 1, "--k2");
  require_gibbs_steps(k3, 0, "--k3");
  require_positive_int(epochs, "--epochs");
  require_positive_int(batch_size, "--batch-size");
  require(finetune_epochs >= -1, "--finetune-epochs: must be 0 or more, got " +
                                     std::to_string(finetune_epochs));
  require(cd_epochs >= -1 && cd_epochs <= epochs,
          "--cd-epochs: must be between 0 and --epochs (" + std::to_string(epochs) + "), got " +
              std::to_string(cd_epochs));
  require_positive_int(particles, "--particles");
  require_positive_int(mean_field_steps, "--mean-field-steps");
  require(std::isfinite(mean_field_tolerance) && mean_field_tolerance >= 0.0f,
          "--mean-field-tolerance: must be a finite number of 0 or more");
  require(limit >= 0, "--limit: must be 0 (all) or more, got " + std::to_string(limit));
  validate_thread_count(threads);
  // Weights, their momentum and the checkpoint copy: refuse models that cannot fit
  // before any data is read rather than failing hours later at a deeper layer.
  double n_weights = 0.0;
  for (size_t l = 1; l < dimensions.size(); ++l) {
    n_weights += static_cast<double>(dimensions[l - 1]) * static_cast<double>(dimensions[l]);
  }
  require(n_weights <= kMaxWeights,
          "--dimensions: " + std::to_string(static_cast<long long>(n_weights)) +
              " weights are more than this tool supports (" +
              std::to_string(static_cast<long long>(kMaxWeights)) + ", about " +
              std::to_string(static_cast<long long>(kMaxWeights * 4 / 1e9)) +
              " GB each for the weights and their momentum); use smaller layers");
  require(image_size >= 1 && image_size <= 1024,
          "--image-size: must be between 1 and 1024, got " + std::to_string(image_size));
  require_fraction(initial_momentum, "--initial-momentum");
  require_fraction(final_momentum, "--momentum");
  require_non_negative_int(momentum_switch_epoch, "--momentum-switch-epoch");
  require(std::isfinite(weight_decay) && weight_decay >= 0.0f,
          "--weight-decay: must be a finite number of 0 or more");
  require(std::isfinite(finetune_weight_decay) && finetune_weight_decay >= 0.0f,
          "--finetune-weight-decay: must be a finite number of 0 or more");
  require(std::isfinite(finetune_learning_rate_floor) && finetune_learning_rate_floor >= 0.0f,
          "--finetune-learning-rate-floor: must be a finite number of 0 or more");
  require(std::isfinite(finetune_learning_rate_decay) && finetune_learning_rate_decay >= 1.0f,
          "--finetune-learning-rate-decay: must be a finite number of 1 or more");
}

}  // namespace dbm::train
