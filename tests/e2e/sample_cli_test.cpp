// End-to-end: `train_dbm sample` and `train_dbm filters` on the real binary, with a
// model trained on real Fashion-MNIST, and the errors users hit most.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "dbm/io/model_file.hpp"
#include "support/brute_force.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;
using testing::run_train_dbm;

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

bool fashion_available() {
  return fs::exists(fs::path(kFashionDir) / "train-images-idx3-ubyte.gz");
}

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

struct PngSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool operator==(const PngSize&) const = default;
};

std::ostream& operator<<(std::ostream& out, const PngSize& size) {
  return out << size.width << "x" << size.height;
}

// Checks the PNG signature and an 8-bit greyscale IHDR, and returns the image size.
PngSize png_size(const fs::path& file) {
  const std::string bytes = testing::read_bytes(file);
  if (bytes.size() < 33 || bytes.substr(0, 8) != std::string("\x89PNG\r\n\x1a\n", 8) ||
      bytes.substr(12, 4) != "IHDR" || bytes[24] != 8 || bytes[25] != 0) {
    ADD_FAILURE() << file << " is not an 8-bit greyscale PNG";
    return {};
  }
  const auto u32 = [&](size_t at) {
    std::uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return {u32(16), u32(20)};
}

// Grid size for n tiles of w x h in c columns with 1-pixel separators.
PngSize grid_size(std::uint32_t n, std::uint32_t c, std::uint32_t w, std::uint32_t h) {
  const std::uint32_t rows = (n + c - 1) / c;
  return {c * w + c - 1, rows * h + rows - 1};
}

// A small model written straight through the engine, no training: `dims` layer
// sizes, the image size stored as width x height (0 x 0: none).
fs::path write_model(const fs::path& run, const std::vector<int>& dims, int width, int height) {
  io::ModelFile model;
  model.config.dimensions = dims;
  model.dbm = testing::random_dbm(dims, 0.5f, 1);
  model.data.name = "bars_and_stripes";
  model.data.image_width = width;
  model.data.image_height = height;
  model.engine_version = DBM_VERSION;
  fs::create_directories(run);
  io::save_model(run / io::kModelFileName, model);
  return run;
}

TEST(SampleCli, TrainingOnFashionMnistWritesSamplesAndSampleAndFiltersDrawItsGrids) {
  if (!fashion_available()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  testing::TempDir dir;
  const auto train = run_train_dbm(
      {"--data", "fashion_mnist", "--data-dir", (dir / "no-data").string(), "--models-dir",
       (dir / "models").string(), "-d", "784,64,32", "--limit", "300", "--epochs", "2",
       "--batch-size", "50", "--seed", "5", "--particles", "20"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  ASSERT_EQ(count_lines(train.out), 1u) << train.out;
  const fs::path run = first_line(train.out);
  // Every run folder gets 100 samples in a 10x10 grid of 28x28 tiles.
  EXPECT_EQ(png_size(run / "samples.png"), grid_size(100, 10, 28, 28));
  EXPECT_NE(train.err.find("samples.png"), std::string::npos) << train.err;

  // sample: stdout is the file written; --every adds zero-padded snapshots.
  const std::vector<std::string> args = {"sample",       "--model", run.string(), "--count", "6",
                                         "--columns",    "4",       "--gibbs-steps", "20",
                                         "--every",      "10",      "--seed",  "3",
                                         "--out",        (dir / "s.png").string()};
  const auto sample = run_train_dbm(args);
  ASSERT_EQ(sample.exit_code, 0) << sample.err;
  EXPECT_EQ(sample.out, (dir / "s.png").string() + "\n");
  EXPECT_EQ(png_size(dir / "s.png"), grid_size(6, 4, 28, 28));
  for (const char* step : {"00", "10", "20"}) {
    EXPECT_EQ(png_size(dir / ("s-" + std::string(step) + ".png")), grid_size(6, 4, 28, 28)) << step;
  }
  // The same seed draws the same picture.
  const std::string first = testing::read_bytes(dir / "s.png");
  ASSERT_EQ(run_train_dbm(args).exit_code, 0);
  EXPECT_EQ(testing::read_bytes(dir / "s.png"), first);

  // Default output: samples.png in the run folder (given the .cereal file too).
  const auto in_run = run_train_dbm({"sample", "--model", (run / "dbm.cereal").string(),
                                     "--count", "3", "--gibbs-steps", "5", "--seed", "1"});
  ASSERT_EQ(in_run.exit_code, 0) << in_run.err;
  EXPECT_EQ(first_line(in_run.out), (run / "samples.png").string());
  EXPECT_EQ(png_size(run / "samples.png"), grid_size(3, 3, 28, 28));

  // From training images: one chain per image, read from the model's data set.
  const auto from_data = run_train_dbm({"sample", "--model", run.string(), "--from-data", "4",
                                        "--gibbs-steps", "3", "--out", (dir / "d.png").string()});
  ASSERT_EQ(from_data.exit_code, 0) << from_data.err;
  EXPECT_EQ(png_size(dir / "d.png"), grid_size(4, 4, 28, 28));
  EXPECT_NE(from_data.err.find("fashion-mnist"), std::string::npos) << from_data.err;

  // filters: layer 1 and the projected layer 2 (only 32 units: all of them).
  const auto filters = run_train_dbm({"filters", "--model", run.string(), "--count", "8"});
  ASSERT_EQ(filters.exit_code, 0) << filters.err;
  EXPECT_EQ(first_line(filters.out), (run / "filters.png").string());
  EXPECT_EQ(png_size(run / "filters.png"), grid_size(8, 8, 28, 28));
  const auto deep = run_train_dbm({"filters", "--model", run.string(), "--layer", "2", "--out",
                                   (dir / "f2.png").string()});
  ASSERT_EQ(deep.exit_code, 0) << deep.err;
  EXPECT_EQ(png_size(dir / "f2.png"), grid_size(32, 10, 28, 28));
}

TEST(SampleCli, StoredImageSizeOrTileFlagGivesTheTileShape) {
  testing::TempDir dir;
  const fs::path square = write_model(dir / "square", {16, 6, 4}, 4, 4);
  const auto ok = run_train_dbm({"sample", "--model", square.string(), "--count", "5",
                                 "--gibbs-steps", "10", "--seed", "2"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(png_size(square / "samples.png"), grid_size(5, 5, 4, 4));

  // 12 visible units and no stored size: a clear usage error, unless --tile says.
  const fs::path odd = write_model(dir / "odd", {12, 5, 3}, 0, 0);
  const auto refused = run_train_dbm({"sample", "--model", odd.string(), "--gibbs-steps", "1"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--tile"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(odd / "samples.png"));
  const auto tiled = run_train_dbm({"sample", "--model", odd.string(), "--tile", "4x3",
                                    "--count", "2", "--gibbs-steps", "1"});
  ASSERT_EQ(tiled.exit_code, 0) << tiled.err;
  EXPECT_EQ(png_size(odd / "samples.png"), grid_size(2, 2, 4, 3));
  const auto filters = run_train_dbm({"filters", "--model", odd.string(), "--tile", "3x4"});
  ASSERT_EQ(filters.exit_code, 0) << filters.err;
  EXPECT_EQ(png_size(odd / "filters.png"), grid_size(5, 5, 3, 4));
}

TEST(SampleCli, MissingModelExitsOneWithOneLineNamingIt) {
  testing::TempDir dir;
  for (const char* command : {"sample", "filters"}) {
    const auto result = run_train_dbm({command, "--model", (dir / "nothing").string()});
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_EQ(count_lines(result.err), 1u) << result.err;
    EXPECT_NE(result.err.find((dir / "nothing").string()), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty());
  }
}

TEST(SampleCli, UnwritableOutExitsOneBeforeSampling) {
  testing::TempDir dir;
  const fs::path run = write_model(dir / "run", {16, 6, 4}, 4, 4);
  testing::write_bytes(dir / "a-file", "not a folder");
  const fs::path bad = dir / "a-file" / "s.png";
  for (const char* command : {"sample", "filters"}) {
    const auto result = run_train_dbm({command, "--model", run.string(), "--out", bad.string()});
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_EQ(count_lines(result.err), 1u) << result.err;  // no "sampling ..." line first
    EXPECT_NE(result.err.find(bad.string()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--out"), std::string::npos) << result.err;
  }
  const auto folder = run_train_dbm({"sample", "--model", run.string(), "--out", dir.path().string()});
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_NE(folder.err.find("folder"), std::string::npos) << folder.err;
}

struct BadSample {
  std::vector<std::string> args;
  std::string expected_message;
};

void PrintTo(const BadSample& bad, std::ostream* out) {
  for (const auto& arg : bad.args) *out << arg << ' ';
  *out << "-> " << bad.expected_message;
}

class SampleCliBadUsage : public ::testing::TestWithParam<BadSample> {};

TEST_P(SampleCliBadUsage, ExitsTwoWithAClearMessageAndWritesNothing) {
  testing::TempDir dir;
  const fs::path run = write_model(dir / "run", {16, 6, 4}, 4, 4);
  std::vector<std::string> args = GetParam().args;
  if (std::find(args.begin(), args.end(), "--no-model") == args.end()) {
    args.insert(args.end(), {"--model", run.string()});
  } else {
    args.erase(std::find(args.begin(), args.end(), "--no-model"));
  }
  const auto result = run_train_dbm(args);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(GetParam().expected_message), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_FALSE(fs::exists(run / "samples.png"));
  EXPECT_FALSE(fs::exists(run / "filters.png"));
}

INSTANTIATE_TEST_SUITE_P(
    BadCommandLines, SampleCliBadUsage,
    ::testing::Values(BadSample{{"sample", "--count", "0"}, "--count must be at least 1, got 0"},
                      BadSample{{"sample", "--count", "-5"}, "--count"},
                      BadSample{{"sample", "--gibbs-steps", "-1"}, "--gibbs-steps"},
                      BadSample{{"sample", "--columns", "0"}, "--columns"},
                      BadSample{{"sample", "--every", "-2"}, "--every"},
                      BadSample{{"sample", "--count", "abc"}, "--count"},
                      BadSample{{"sample", "--tile", "28by28"}, "--tile"},
                      BadSample{{"sample", "--tile", "5x5"}, "--tile 5x5 has 25 pixels"},
                      BadSample{{"sample", "--count", "5", "--from-data", "3"}, "--from-data"},
                      BadSample{{"sample", "--no-model"}, "--model"},
                      BadSample{{"filters", "--count", "0"}, "--count"},
                      BadSample{{"filters", "--layer", "0"}, "--layer"},
                      BadSample{{"filters", "--layer", "3"}, "between 1 and 2"}),
    // Readable test names, e.g. 0_sample_count_0.
    [](const ::testing::TestParamInfo<BadSample>& info) {
      std::string name = std::to_string(info.index);
      for (const auto& arg : info.param.args) {
        name += '_';
        for (char c : arg) {
          if (std::isalnum(static_cast<unsigned char>(c))) name += c;
        }
      }
      return name;
    });

}  // namespace
}  // namespace dbm
