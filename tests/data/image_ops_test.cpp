// Area-averaging resize and per-image sparsification against exact answers.

#include "dbm/data/image_ops.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

namespace dbm::data {
namespace {

GreyImage make_image(int width, int height, std::vector<float> pixels) {
  GreyImage image;
  image.width = width;
  image.height = height;
  image.pixels = std::move(pixels);
  return image;
}

GreyImage random_image(int width, int height, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> pixels(static_cast<std::size_t>(width) * height);
  for (float& p : pixels) p = uniform(generator);
  return make_image(width, height, std::move(pixels));
}

double mean_of(const std::vector<float>& pixels) {
  double sum = 0.0;
  for (const float p : pixels) sum += p;
  return sum / static_cast<double>(pixels.size());
}

// --- Resize -----------------------------------------------------------------------

TEST(ResizeArea, ConstantImageStaysConstant) {
  const int sizes[][4] = {{64, 64, 28, 28}, {92, 112, 28, 28}, {23, 28, 28, 28}, {5, 3, 17, 11},
                          {1, 1, 7, 7},     {7, 7, 1, 1},      {13, 9, 13, 9},   {100, 1, 3, 40}};
  for (const auto& s : sizes) {
    SCOPED_TRACE(::testing::Message() << s[0] << "x" << s[1] << " -> " << s[2] << "x" << s[3]);
    const GreyImage image = make_image(s[0], s[1], std::vector<float>(s[0] * s[1], 0.37f));
    const GreyImage resized = resize_area(image, s[2], s[3]);
    ASSERT_EQ(resized.width, s[2]);
    ASSERT_EQ(resized.height, s[3]);
    ASSERT_EQ(resized.pixels.size(), static_cast<std::size_t>(s[2] * s[3]));
    for (const float p : resized.pixels) EXPECT_FLOAT_EQ(p, 0.37f);
  }
}

TEST(ResizeArea, DownscaleFrom64To28PreservesMean) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const GreyImage image = random_image(64, 64, seed);
    const GreyImage resized = resize_area(image, 28, 28);
    EXPECT_NEAR(mean_of(resized.pixels), mean_of(image.pixels), 1e-6) << "seed " << seed;
  }
}

TEST(ResizeArea, AnyRatioPreservesMean) {
  const int sizes[][4] = {{92, 112, 28, 28}, {23, 28, 28, 28}, {28, 28, 64, 64}, {7, 5, 3, 11}};
  for (const auto& s : sizes) {
    const GreyImage image = random_image(s[0], s[1], 42);
    EXPECT_NEAR(mean_of(resize_area(image, s[2], s[3]).pixels), mean_of(image.pixels), 1e-6);
  }
}

TEST(ResizeArea, HalvingEqualsTwoByTwoBlockAverages) {
  const GreyImage image = random_image(64, 48, 7);
  const GreyImage resized = resize_area(image, 32, 24);
  for (int y = 0; y < 24; ++y) {
    for (int x = 0; x < 32; ++x) {
      const double block =
          (static_cast<double>(image.at(2 * x, 2 * y)) + image.at(2 * x + 1, 2 * y) +
           image.at(2 * x, 2 * y + 1) + image.at(2 * x + 1, 2 * y + 1)) /
          4.0;
      EXPECT_NEAR(resized.at(x, y), block, 1e-7) << "(" << x << ", " << y << ")";
    }
  }
}

TEST(ResizeArea, HalvingSmallImageExactly) {
  // 4x2 -> 2x1: each output is the mean of one 2x2 block.
  const GreyImage image = make_image(4, 2,
                                     {0.0f, 0.25f, 0.5f, 1.0f,  //
                                      0.5f, 0.25f, 0.0f, 0.5f});
  const GreyImage resized = resize_area(image, 2, 1);
  EXPECT_FLOAT_EQ(resized.pixels[0], 0.25f);
  EXPECT_FLOAT_EQ(resized.pixels[1], 0.5f);
}

TEST(ResizeArea, NonIntegerRatioUsesExactOverlaps) {
  // 3 columns -> 2: target 0 covers [0, 1.5) = column 0 + half of column 1,
  // target 1 covers [1.5, 3) = half of column 1 + column 2 (weights 2/3 and 1/3).
  const GreyImage resized = resize_area(make_image(3, 1, {0.3f, 0.6f, 0.9f}), 2, 1);
  EXPECT_FLOAT_EQ(resized.pixels[0], (0.3f + 0.5f * 0.6f) / 1.5f);
  EXPECT_FLOAT_EQ(resized.pixels[1], (0.5f * 0.6f + 0.9f) / 1.5f);
}

TEST(ResizeArea, UpscaleRepeatsAndBlendsAtBoundaries) {
  // 2 -> 4 repeats each pixel twice; 2 -> 3 blends the middle pixel half/half.
  const GreyImage doubled = resize_area(make_image(2, 1, {0.2f, 0.8f}), 4, 1);
  EXPECT_EQ(doubled.pixels, (std::vector<float>{0.2f, 0.2f, 0.8f, 0.8f}));
  const GreyImage three = resize_area(make_image(2, 1, {0.2f, 0.8f}), 3, 1);
  EXPECT_FLOAT_EQ(three.pixels[0], 0.2f);
  EXPECT_FLOAT_EQ(three.pixels[1], 0.5f);
  EXPECT_FLOAT_EQ(three.pixels[2], 0.8f);
  const GreyImage tall = resize_area(make_image(1, 2, {0.2f, 0.8f}), 1, 4);
  EXPECT_EQ(tall.pixels, (std::vector<float>{0.2f, 0.2f, 0.8f, 0.8f}));
}

TEST(ResizeArea, SameSizeIsIdentity) {
  const GreyImage image = random_image(23, 28, 3);
  EXPECT_EQ(resize_area(image, 23, 28).pixels, image.pixels);
}

TEST(ResizeArea, ValuesStayWithinSourceRange) {
  const GreyImage image = random_image(92, 112, 11);
  const auto [lo, hi] = std::minmax_element(image.pixels.begin(), image.pixels.end());
  for (const float p : resize_area(image, 28, 28).pixels) {
    EXPECT_GE(p, *lo);
    EXPECT_LE(p, *hi);
  }
}

TEST(ResizeArea, IndependentAxes) {
  // A horizontal ramp keeps no vertical structure whatever the height does.
  std::vector<float> pixels;
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 4; ++x) pixels.push_back(0.25f * x);
  }
  const GreyImage resized = resize_area(make_image(4, 6, pixels), 2, 5);
  for (int y = 0; y < 5; ++y) {
    EXPECT_FLOAT_EQ(resized.at(0, y), 0.125f);
    EXPECT_FLOAT_EQ(resized.at(1, y), 0.625f);
  }
}

TEST(ResizeArea, SpanFormWritesIntoCallerBuffer) {
  const std::vector<float> source = {0.0f, 1.0f, 1.0f, 0.0f};
  std::vector<float> target(1, -1.0f);
  resize_area(source, 2, 2, target, 1, 1);
  EXPECT_FLOAT_EQ(target[0], 0.5f);
}

TEST(ResizeArea, RejectsBadSizes) {
  const std::vector<float> source(6, 0.0f);
  std::vector<float> target(4, 0.0f);
  EXPECT_THROW(resize_area(source, 3, 2, target, 2, 3), std::invalid_argument);  // target size
  EXPECT_THROW(resize_area(source, 2, 2, target, 2, 2), std::invalid_argument);  // source size
  EXPECT_THROW(resize_area(source, 0, 2, target, 2, 2), std::invalid_argument);
  EXPECT_THROW(resize_area(make_image(3, 2, source), 0, 4), std::invalid_argument);
}

TEST(ResizeArea, KeepsReaderWarnings) {
  GreyImage image = make_image(2, 2, {0.0f, 0.0f, 0.0f, 0.0f});
  image.warnings.push_back("x.pgm: ignored 1 byte after the raster");
  EXPECT_EQ(resize_area(image, 1, 1).warnings, image.warnings);
}

// --- Sparsify ----------------------------------------------------------------------

TEST(Sparsify, ZeroesPixelsBelowMeanPlusHalfStd) {
  // Values 0, 0.2, 0.4, 0.6, 0.8, 1.0: mean 0.5, population variance 0.7/6,
  // threshold 0.5 + 0.5*sqrt(0.7/6) = 0.67078: only 0.8 and 1.0 survive.
  std::vector<float> pixels = {0.0f, 0.2f, 0.4f, 0.6f, 0.8f, 1.0f};
  const float threshold = sparsify(pixels);
  EXPECT_NEAR(threshold, 0.5 + 0.5 * std::sqrt(0.7 / 6), 1e-6);
  EXPECT_EQ(pixels, (std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f, 0.8f, 1.0f}));
}

TEST(Sparsify, UsesPopulationStd) {
  // Values 0, 0, 1, 1: mean 0.5, population std 0.5 (sample std would be 0.577),
  // threshold exactly 0.75.
  std::vector<float> pixels = {0.0f, 1.0f, 0.0f, 1.0f};
  EXPECT_FLOAT_EQ(sparsify(pixels), 0.75f);
  EXPECT_EQ(pixels, (std::vector<float>{0.0f, 1.0f, 0.0f, 1.0f}));
}

TEST(Sparsify, OnlyPixelsStrictlyBelowTheThresholdGo) {
  // 0, 0, 0, 0.4: mean 0.1, population std sqrt(0.03) = 0.1732, threshold 0.1866.
  std::vector<float> pixels = {0.0f, 0.0f, 0.0f, 0.4f};
  EXPECT_NEAR(sparsify(pixels), 0.1 + 0.5 * std::sqrt(0.03), 1e-6);
  EXPECT_EQ(pixels, (std::vector<float>{0.0f, 0.0f, 0.0f, 0.4f}));
  // A constant image: std 0, threshold = the value, and nothing is strictly below.
  std::vector<float> constant(10, 0.3f);
  EXPECT_FLOAT_EQ(sparsify(constant), 0.3f);
  EXPECT_EQ(constant, std::vector<float>(10, 0.3f));
}

TEST(Sparsify, EmptyIsHarmless) {
  std::vector<float> empty;
  EXPECT_EQ(sparsify(empty), 0.0f);
}

TEST(Sparsify, FractionOfZerosOnRandomImageIsAsExpected) {
  // Uniform [0, 1]: mean 0.5, std 1/sqrt(12); threshold 0.644, so about 64% go.
  GreyImage image = random_image(100, 100, 5);
  sparsify(image.pixels);
  const auto zeros = std::count(image.pixels.begin(), image.pixels.end(), 0.0f);
  EXPECT_NEAR(zeros / 10000.0, 0.5 + 0.5 / std::sqrt(12.0), 0.02);
}

}  // namespace
}  // namespace dbm::data
