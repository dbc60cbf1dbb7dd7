#include "dbm/data/dataset.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "dbm/core/error.hpp"
#include "support/idx_writer.hpp"
#include "support/temp_dir.hpp"

namespace dbm::data {
namespace {

namespace fs = std::filesystem;
using dbm::testing::gzip_bytes;
using dbm::testing::idx_images_bytes;
using dbm::testing::idx_labels_bytes;
using dbm::testing::TempDir;
using dbm::testing::test_labels;
using dbm::testing::test_pixels;
using dbm::testing::write_bytes;
using dbm::testing::write_fake_mnist;

const fs::path kDebianFashionDir = "/usr/share/datasets/fashion-mnist";

DataOptions options_for(const std::string& name, const fs::path& data_dir = "data") {
  DataOptions options;
  options.name = name;
  options.data_dir = data_dir;
  return options;
}

std::vector<float> row_of(const Dataset& data, Index i) {
  return {data.images.row(i).data(), data.images.row(i).data() + data.dimension()};
}

// Brute force: every n x n binary image whose rows are each constant or whose
// columns are each constant.
std::set<std::vector<float>> all_bars_and_stripes(int n) {
  std::set<std::vector<float>> result;
  for (long code = 0; code < (1L << (n * n)); ++code) {
    std::vector<float> image(n * n);
    for (int p = 0; p < n * n; ++p) image[p] = static_cast<float>((code >> p) & 1);
    bool rows_constant = true, cols_constant = true;
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        rows_constant = rows_constant && image[r * n + c] == image[r * n];
        cols_constant = cols_constant && image[r * n + c] == image[c];
      }
    }
    if (rows_constant || cols_constant) result.insert(image);
  }
  return result;
}

class BarsAndStripesTest : public ::testing::TestWithParam<int> {};

TEST_P(BarsAndStripesTest, IsExactlyTheDistinctValidImagesInAFixedOrder) {
  const int n = GetParam();
  DataOptions options = options_for("bars_and_stripes");
  options.bars_size = n;
  const Dataset data = load_dataset(options);
  ASSERT_EQ(data.size(), (1 << (n + 1)) - 2);
  EXPECT_EQ(data.dimension(), n * n);
  EXPECT_EQ(data.width, n);
  EXPECT_EQ(data.height, n);
  EXPECT_EQ(data.name, "bars_and_stripes");

  std::set<std::vector<float>> seen;
  for (Index i = 0; i < data.size(); ++i) seen.insert(row_of(data, i));
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(data.size())) << "duplicates";
  EXPECT_EQ(seen, all_bars_and_stripes(n));

  const Dataset again = load_dataset(options);
  EXPECT_EQ(again.images, data.images);
}

INSTANTIATE_TEST_SUITE_P(Sizes, BarsAndStripesTest, ::testing::Values(2, 3, 4));

TEST(BarsAndStripes, DefaultIsFourByFourAndLimitApplies) {
  DataOptions options = options_for("bars_and_stripes");
  EXPECT_EQ(load_dataset(options).size(), 30);
  options.limit = 7;
  const Dataset data = load_dataset(options);
  EXPECT_EQ(data.size(), 7);
  EXPECT_EQ(data.dimension(), 16);
}

TEST(BarsAndStripes, RejectsSillySizes) {
  DataOptions options = options_for("bars_and_stripes");
  options.bars_size = 0;
  EXPECT_THROW(load_dataset(options), UsageError);
  options.bars_size = 40;
  EXPECT_THROW(expected_dimension(options), UsageError);
}

TEST(ExpectedDimension, KnownWithoutReadingFiles) {
  EXPECT_EQ(expected_dimension(options_for("mnist", "/nonexistent")), 784);
  EXPECT_EQ(expected_dimension(options_for("fashion_mnist", "/nonexistent")), 784);
  DataOptions faces = options_for("faces");
  faces.image_size = 25;
  EXPECT_EQ(expected_dimension(faces), 625);
  DataOptions bars = options_for("bars_and_stripes");
  bars.bars_size = 5;
  EXPECT_EQ(expected_dimension(bars), 25);
  EXPECT_THROW(expected_dimension(options_for("cifar")), UsageError);
  EXPECT_THROW(load_dataset(options_for("cifar")), UsageError);
}

TEST(LoadDataset, RejectsUnknownSplit) {
  DataOptions options = options_for("bars_and_stripes");
  options.split = "validation";
  EXPECT_THROW(load_dataset(options), UsageError);
}

TEST(LoadDataset, MissingMnistSaysHowToFetchIt) {
  TempDir dir;
  try {
    load_dataset(options_for("mnist", dir.path()));
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("scripts/fetch-data mnist"), std::string::npos) << message;
    EXPECT_NE(message.find((dir / "mnist").string()), std::string::npos) << message;
  }
}

TEST(LoadDataset, ReadsMnistLayoutScaledToUnitInterval) {
  TempDir dir;
  write_fake_mnist(dir / "mnist", 6, 3);
  const Dataset train = load_dataset(options_for("mnist", dir.path()));
  ASSERT_EQ(train.size(), 6);
  ASSERT_EQ(train.dimension(), 784);
  EXPECT_EQ(train.width, 28);
  EXPECT_EQ(train.height, 28);
  EXPECT_EQ(train.labels, test_labels(6));
  EXPECT_EQ(train.source, (dir / "mnist" / "train-images-idx3-ubyte").string());
  EXPECT_TRUE(train.warnings.empty());
  const auto pixels = test_pixels(6, 28, 28);
  for (Index i = 0; i < train.size(); ++i) {
    for (Index j = 0; j < 784; ++j) {
      ASSERT_EQ(train.images(i, j), static_cast<float>(pixels[i * 784 + j]) / 255.0f);
    }
  }
  EXPECT_EQ(train.images.minCoeff(), 0.0f);
  EXPECT_EQ(train.images.maxCoeff(), 1.0f);

  DataOptions test = options_for("mnist", dir.path());
  test.split = "test";
  EXPECT_EQ(load_dataset(test).size(), 3);
  test.limit = 2;
  const Dataset limited = load_dataset(test);
  EXPECT_EQ(limited.size(), 2);
  EXPECT_EQ(limited.labels.size(), 2u);
}

TEST(LoadDataset, AcceptsDottedSpellingAndGzip) {
  TempDir dir;
  const auto images = idx_images_bytes(4, 28, 28, test_pixels(4, 28, 28));
  write_bytes(dir / "fashion_mnist" / "train-images.idx3-ubyte.gz", gzip_bytes(images));
  write_bytes(dir / "fashion_mnist" / "train-labels.idx1-ubyte", idx_labels_bytes(test_labels(4)));
  const Dataset data = load_dataset(options_for("fashion_mnist", dir.path()));
  EXPECT_EQ(data.size(), 4);
  EXPECT_EQ(data.labels, test_labels(4));
  EXPECT_EQ(data.source, (dir / "fashion_mnist" / "train-images.idx3-ubyte.gz").string());
}

TEST(LoadDataset, MissingLabelsAreAWarning) {
  TempDir dir;
  write_bytes(dir / "mnist" / "train-images-idx3-ubyte",
              idx_images_bytes(2, 28, 28, test_pixels(2, 28, 28)));
  const Dataset data = load_dataset(options_for("mnist", dir.path()));
  EXPECT_EQ(data.size(), 2);
  EXPECT_TRUE(data.labels.empty());
  ASSERT_EQ(data.warnings.size(), 1u);
  EXPECT_NE(data.warnings[0].find("without labels"), std::string::npos) << data.warnings[0];
}

TEST(LoadDataset, LabelCountMustMatchImages) {
  TempDir dir;
  write_fake_mnist(dir / "mnist", 5, 2);
  write_bytes(dir / "mnist" / "train-labels-idx1-ubyte", idx_labels_bytes(test_labels(4)));
  try {
    load_dataset(options_for("mnist", dir.path()));
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("has 4 labels"), std::string::npos) << message;
    EXPECT_NE(message.find("train-labels-idx1-ubyte"), std::string::npos) << message;
  }
}

TEST(LoadDataset, ImagesMustBe28By28) {
  TempDir dir;
  write_bytes(dir / "mnist" / "train-images-idx3-ubyte",
              idx_images_bytes(2, 10, 10, test_pixels(2, 10, 10)));
  EXPECT_THROW(load_dataset(options_for("mnist", dir.path())), DataError);
}

TEST(LoadDataset, BadFileErrorNamesTheFile) {
  TempDir dir;
  write_bytes(dir / "mnist" / "train-images-idx3-ubyte", "<html>Service Unavailable</html>\n");
  try {
    load_dataset(options_for("mnist", dir.path()));
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find((dir / "mnist" / "train-images-idx3-ubyte").string()), std::string::npos)
        << message;
  }
}

void expect_real_set(const Dataset& data, Index n) {
  ASSERT_EQ(data.size(), n);
  ASSERT_EQ(data.dimension(), 784);
  EXPECT_EQ(data.width, 28);
  EXPECT_EQ(data.height, 28);
  EXPECT_GE(data.images.minCoeff(), 0.0f);
  EXPECT_LE(data.images.maxCoeff(), 1.0f);
  EXPECT_EQ(data.images.maxCoeff(), 1.0f);
  ASSERT_EQ(data.labels.size(), static_cast<std::size_t>(n));
  std::set<int> classes(data.labels.begin(), data.labels.end());
  EXPECT_EQ(classes, (std::set<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(RealData, FashionMnistFromDebianPackage) {
  if (!fs::exists(kDebianFashionDir / "train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << kDebianFashionDir.string()
                 << " not found; apt-get install dataset-fashion-mnist to run this test";
  }
  TempDir empty;  // no fashion_mnist/ here, so the Debian folder is the fallback
  DataOptions options = options_for("fashion_mnist", empty.path());
  const Dataset train = load_dataset(options);
  EXPECT_EQ(train.source.rfind(kDebianFashionDir.string(), 0), 0u) << train.source;
  expect_real_set(train, 60000);
  options.split = "test";
  expect_real_set(load_dataset(options), 10000);
}

TEST(RealData, MnistFromFetchData) {
  const fs::path data_dir = fs::path(DBM_SOURCE_DIR) / "data";
  if (!fs::exists(data_dir / "mnist" / "train-images-idx3-ubyte")) {
    GTEST_SKIP() << (data_dir / "mnist").string()
                 << " has no MNIST; run scripts/fetch-data mnist to run this test";
  }
  DataOptions options = options_for("mnist", data_dir);
  expect_real_set(load_dataset(options), 60000);
  options.split = "test";
  expect_real_set(load_dataset(options), 10000);
}

}  // namespace
}  // namespace dbm::data
