// End-to-end: the real train_dbm on data files whose headers claim absurd sizes (an
// IDX header claiming 10^9 images, a PGM of 10^6 x 10^6). It must exit 1 at once with
// one stderr line naming the file, without allocating for the claim and without
// creating a run folder (tests/data/limits_test.cpp checks the readers themselves).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "support/idx_writer.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(CliLimits, IdxHeaderClaimingABillionImagesExitsOneNamingTheFile) {
  testing::TempDir dir;
  testing::write_fake_mnist(dir / "data/mnist", 10, 10);
  const fs::path images = dir / "data/mnist/train-images-idx3-ubyte";
  testing::write_bytes(images,
                       testing::idx_header(testing::kIdxImagesMagic, {1000000000, 28, 28}) + "abc");
  const auto run =
      testing::run_train_dbm({"-d", "784,10", "--data", "mnist", "--data-dir",
                              (dir / "data").string(), "--models-dir", (dir / "models").string()});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find(images.string()), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("absurd size 1000000000x28x28"), std::string::npos) << run.err;
  EXPECT_EQ(count_lines(run.err), 1u) << run.err;
  EXPECT_FALSE(fs::exists(dir / "models"));
}

TEST(CliLimits, PgmOfAMillionByAMillionExitsOneNamingTheFile) {
  testing::TempDir dir;
  const fs::path face = dir / "faces/s1/1.pgm";
  testing::write_bytes(face, "P5\n1000000 1000000\n255\n" + std::string(16, '\x40'));
  const auto run =
      testing::run_train_dbm({"-d", "784,10", "--data", "faces", "--faces-dir",
                              (dir / "faces").string(), "--models-dir", (dir / "models").string()});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find(face.string()), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("1000000x1000000 pixels"), std::string::npos) << run.err;
  EXPECT_EQ(count_lines(run.err), 1u) << run.err;
  EXPECT_FALSE(fs::exists(dir / "models"));
}

TEST(CliLimits, EvaluateWithoutATestSplitFailsBeforeTraining) {
  testing::TempDir dir;
  testing::write_fake_mnist(dir / "data/mnist", 10, 10);
  const fs::path test_images = dir / "data/mnist/t10k-images-idx3-ubyte";
  fs::remove(test_images);
  const auto run = testing::run_train_dbm(
      {"-d", "784,10", "--data", "mnist", "--data-dir", (dir / "data").string(), "--models-dir",
       (dir / "models").string(), "--evaluate"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("test"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("fetch-data"), std::string::npos) << run.err;
  EXPECT_EQ(count_lines(run.err), 1u) << run.err;
  EXPECT_FALSE(fs::exists(dir / "models"));
}

}  // namespace
}  // namespace dbm
