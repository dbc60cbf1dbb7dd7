// End-to-end: `train_dbm evaluate` and `train_dbm --evaluate` on models trained on the
// built-in bars_and_stripes set (no download), checked against brute force.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "dbm/data/dataset.hpp"
#include "dbm/io/model_file.hpp"
#include "support/brute_force.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;
using testing::run_train_dbm;

size_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// The number after "key": in a JSON text (NaN when absent or null).
double json_value(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nan("");
  const char* start = json.c_str() + at + key.size() + 3;
  char* end = nullptr;
  const double value = std::strtod(start, &end);
  return end == start ? std::nan("") : value;
}

// Trains a 16-4-4 DBM (24 units: brute force can check it) on 4x4 bars and stripes.
fs::path train_bars_model(const fs::path& models, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"--data", "bars_and_stripes", "-d", "16,4,4", "--epochs", "30",
                                   "--batch-size", "5", "--learning-rate", "0.05", "--k3", "0",
                                   "--seed", "5", "--models-dir", models.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto run = run_train_dbm(args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(count_lines(run.out), 1u) << run.out;
  return run.out.substr(0, run.out.size() - 1);
}

TEST(Evaluate, GivesTheExactValuesOnATinyBarsAndStripesModel) {
  testing::TempDir models;
  const fs::path run_dir = train_bars_model(models.path());
  const auto result = run_train_dbm({"evaluate", "--model", run_dir.string(), "--json",
                                     "--ais-betas", "3000"});
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto model = io::load_model(run_dir);
  data::DataOptions options;
  options.name = "bars_and_stripes";
  const auto data = data::load_dataset(options);
  const double log_z = testing::brute_log_partition(model.dbm);
  const double exact = testing::brute_mean_log_likelihood(model.dbm, data.images);

  const std::string& json = result.out;
  EXPECT_NEAR(json_value(json, "exact_log_z"), log_z, 1e-9) << json;
  EXPECT_NEAR(json_value(json, "exact_mean_log_likelihood"), exact, 1e-9) << json;
  EXPECT_EQ(json_value(json, "n_examples"), 30.0);
  const double bound = json_value(json, "mean_log_likelihood");
  EXPECT_LE(bound, exact + 1e-9);
  EXPECT_GT(bound, exact - 1.0);
  // The AIS cross-check brackets the exact log Z.
  EXPECT_LE(json_value(json, "log_z_low"), log_z) << json;
  EXPECT_GE(json_value(json, "log_z_high"), log_z) << json;
  EXPECT_NE(json.find("\"log_likelihood_kind\": \"lower_bound\""), std::string::npos);

  const auto text = run_train_dbm({"evaluate", "--model", run_dir.string(), "--ais-runs", "0"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("16-4-4 DBM"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bars_and_stripes, all 30 examples"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("exact (enumeration"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("nats per example (mean-field lower bound)"), std::string::npos);
  EXPECT_NE(text.out.find("wall time"), std::string::npos);
}

TEST(Evaluate, AnRbmGetsItsExactLikelihood) {
  testing::TempDir models;
  const auto run = run_train_dbm({"--data", "bars_and_stripes", "-d", "16,8", "--epochs", "20",
                                  "--batch-size", "5", "--learning-rate", "0.05", "--seed", "2",
                                  "--models-dir", models.path().string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const fs::path run_dir = run.out.substr(0, run.out.size() - 1);
  const auto result = run_train_dbm({"evaluate", "--model", run_dir.string(), "--json",
                                     "--ais-betas", "2000", "--split", "train"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto model = io::load_model(run_dir);
  data::DataOptions options;
  options.name = "bars_and_stripes";
  const double exact =
      testing::brute_mean_log_likelihood(model.dbm, data::load_dataset(options).images);
  EXPECT_NEAR(json_value(result.out, "mean_log_likelihood"), exact, 1e-9) << result.out;
  EXPECT_NE(result.out.find("\"log_likelihood_kind\": \"exact\""), std::string::npos);
}

TEST(Evaluate, TrainingWithEvaluateLogsTheResultAndKeepsStdoutToTheRunFolder) {
  testing::TempDir models;
  const auto run = run_train_dbm({"--data", "bars_and_stripes", "-d", "16,4,4", "--epochs", "5",
                                  "--batch-size", "5", "--seed", "1", "--evaluate",
                                  "--models-dir", models.path().string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(count_lines(run.out), 1u) << run.out;
  EXPECT_NE(run.err.find("log-likelihood"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("log Z (AIS)"), std::string::npos) << run.err;
  const fs::path run_dir = run.out.substr(0, run.out.size() - 1);
  EXPECT_NE(testing::read_bytes(run_dir / "train.log").find("log-likelihood"), std::string::npos);
}

TEST(Evaluate, WrongInputSizeIsOneClearLineAndExitOne) {
  testing::TempDir models;
  const fs::path run_dir = train_bars_model(models.path());
  const auto result = run_train_dbm({"evaluate", "--model", run_dir.string(), "--data", "mnist",
                                     "--data-dir", (models.path() / "none").string()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(count_lines(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("16 visible units"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("784 pixels"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("dbm.cereal"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(Evaluate, AnMnistModelOnBarsAndStripesIsTheSameClearMismatch) {
  testing::TempDir dir;
  io::ModelFile model;  // an untrained 784-3 RBM that claims MNIST
  model.dbm.weights = {Matrix::Zero(784, 3)};
  model.dbm.biases = {Vector::Zero(784), Vector::Zero(3)};
  model.config.dimensions = {784, 3};
  model.config.data = "mnist";
  model.data = {"mnist", "(test)", 10, 28, 28};
  io::save_model(dir / "dbm.cereal", model);
  const auto result = run_train_dbm(
      {"evaluate", "--model", (dir / "dbm.cereal").string(), "--data", "bars_and_stripes"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(count_lines(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("784 visible units"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("trained on (mnist)"), std::string::npos) << result.err;
}

TEST(Evaluate, MissingAndCorruptedModelsAreOneClearLineAndExitOne) {
  testing::TempDir dir;
  const auto missing = run_train_dbm({"evaluate", "--model", (dir / "nothing").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(count_lines(missing.err), 1u) << missing.err;
  EXPECT_NE(missing.err.find("nothing"), std::string::npos) << missing.err;

  testing::write_bytes(dir / "run" / "dbm.cereal", "RAIN_DBM garbage that is not a model");
  const auto corrupted = run_train_dbm({"evaluate", "--model", (dir / "run").string()});
  EXPECT_EQ(corrupted.exit_code, 1);
  EXPECT_EQ(count_lines(corrupted.err), 1u) << corrupted.err;
  EXPECT_NE(corrupted.err.find("dbm.cereal"), std::string::npos) << corrupted.err;
}

TEST(Evaluate, BadSettingsAreUsageErrors) {
  testing::TempDir models;
  const fs::path run_dir = train_bars_model(models.path());
  for (const auto& args : {std::vector<std::string>{"--ais-runs", "1"},
                           std::vector<std::string>{"--ais-betas", "2"},
                           std::vector<std::string>{"--split", "validation"},
                           std::vector<std::string>{"--binarize", "round"},
                           std::vector<std::string>{"--ais-schedule", "linear"},
                           std::vector<std::string>{"--mean-field-steps", "0"},
                           std::vector<std::string>{"--ais-sweeps", "0"},
                           std::vector<std::string>{"--ais-betas", "100000000000"},
                           std::vector<std::string>{"--threads", "-1"}}) {
    std::vector<std::string> full = {"evaluate", "--model", run_dir.string()};
    full.insert(full.end(), args.begin(), args.end());
    const auto result = run_train_dbm(full);
    EXPECT_EQ(result.exit_code, 2) << args[0] << " " << args[1] << ": " << result.err;
    EXPECT_NE(result.err.find(args[0]), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace dbm
