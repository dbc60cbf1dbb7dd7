#include "dbm/data/image_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dbm::data {
namespace {

struct Tap {
  int index;
  double weight;
};

// For each of n_target cells, the source cells it overlaps and their weights, from
// integer interval overlaps in units of 1/(n_source*n_target) of the axis.
std::vector<std::vector<Tap>> box_weights(int n_source, int n_target) {
  const std::int64_t sw = n_source;
  const std::int64_t tw = n_target;
  std::vector<std::vector<Tap>> taps(static_cast<std::size_t>(n_target));
  for (std::int64_t j = 0; j < tw; ++j) {
    const std::int64_t begin = j * sw;
    const std::int64_t end = (j + 1) * sw;
    for (std::int64_t k = begin / tw; k <= (end - 1) / tw; ++k) {
      const std::int64_t overlap = std::min(end, (k + 1) * tw) - std::max(begin, k * tw);
      if (overlap > 0) {
        taps[j].push_back({static_cast<int>(k), static_cast<double>(overlap) / sw});
      }
    }
  }
  return taps;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("resize_area: " + message);
}

}  // namespace

void resize_area(std::span<const float> source, int source_width, int source_height,
                 std::span<float> target, int target_width, int target_height) {
  require(source_width >= 1 && source_height >= 1 && target_width >= 1 && target_height >= 1,
          "sizes must be at least 1");
  require(source.size() == static_cast<std::size_t>(source_width) * source_height,
          "source has " + std::to_string(source.size()) + " pixels, expected width*height");
  require(target.size() == static_cast<std::size_t>(target_width) * target_height,
          "target has " + std::to_string(target.size()) + " pixels, expected width*height");

  const auto taps_x = box_weights(source_width, target_width);
  const auto taps_y = box_weights(source_height, target_height);

  // Horizontal pass into a source_height x target_width buffer, then vertical.
  std::vector<double> rows(static_cast<std::size_t>(source_height) * target_width);
  for (int y = 0; y < source_height; ++y) {
    const float* in = source.data() + static_cast<std::size_t>(y) * source_width;
    double* out = rows.data() + static_cast<std::size_t>(y) * target_width;
    for (int j = 0; j < target_width; ++j) {
      double sum = 0.0;
      for (const Tap& tap : taps_x[j]) sum += tap.weight * in[tap.index];
      out[j] = sum;
    }
  }
  for (int i = 0; i < target_height; ++i) {
    float* out = target.data() + static_cast<std::size_t>(i) * target_width;
    for (int j = 0; j < target_width; ++j) {
      double sum = 0.0;
      for (const Tap& tap : taps_y[i]) {
        sum += tap.weight * rows[static_cast<std::size_t>(tap.index) * target_width + j];
      }
      out[j] = static_cast<float>(sum);
    }
  }
}

GreyImage resize_area(const GreyImage& image, int target_width, int target_height) {
  require(target_width >= 1 && target_height >= 1, "sizes must be at least 1");
  GreyImage resized;
  resized.width = target_width;
  resized.height = target_height;
  resized.pixels.resize(static_cast<std::size_t>(target_width) * target_height);
  resized.warnings = image.warnings;
  resize_area(image.pixels, image.width, image.height, resized.pixels, target_width, target_height);
  return resized;
}

float sparsify(std::span<float> pixels) {
  if (pixels.empty()) return 0.0f;
  const auto n = static_cast<double>(pixels.size());
  double sum = 0.0;
  for (const float p : pixels) sum += p;
  const double mean = sum / n;
  // Two passes, so that a constant image gets exactly zero spread.
  double squares = 0.0;
  for (const float p : pixels) squares += (p - mean) * (p - mean);
  const double threshold = mean + 0.5 * std::sqrt(squares / n);
  for (float& p : pixels) {
    if (p < threshold) p = 0.0f;
  }
  return static_cast<float>(threshold);
}

}  // namespace dbm::data
