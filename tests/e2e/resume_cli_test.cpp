// End-to-end interruption and resume with the real executable: SIGINT writes a
// checkpoint and exits 130; SIGKILL leaves the last checkpoint; --resume finishes
// with the same parameters as an uninterrupted run with the same seed.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "dbm/io/checkpoint.hpp"
#include "dbm/io/model_file.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;

bool fashion_available() {
  return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
}

std::vector<std::string> run_args(const fs::path& models) {
  return {"--data", "fashion_mnist", "--data-dir", (models / "none").string(), "--models-dir",
          models.string(), "-d", "784,120,60", "--limit", "2000", "--epochs", "4",
          "--finetune-epochs", "3", "--batch-size", "10", "--seed", "5", "--particles", "20",
          "--threads", "1", "--log-level", "warn"};
}

std::string strip(const std::string& line) { return line.substr(0, line.find('\n')); }

// Waits until the only run folder under `models` holds a checkpoint; returns it.
fs::path wait_for_checkpoint(const fs::path& models) {
  for (int i = 0; i < 600; ++i) {
    if (fs::exists(models)) {
      for (const auto& entry : fs::directory_iterator(models)) {
        if (fs::exists(entry.path() / io::kCheckpointFileName)) return entry.path();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

void expect_same_parameters(const io::ModelFile& a, const io::ModelFile& b) {
  for (size_t l = 0; l < a.dbm.weights.size(); ++l) EXPECT_TRUE(a.dbm.weights[l] == b.dbm.weights[l]) << l;
  for (size_t l = 0; l < a.dbm.biases.size(); ++l) EXPECT_TRUE(a.dbm.biases[l] == b.dbm.biases[l]) << l;
  for (size_t l = 0; l < a.particles.size(); ++l) EXPECT_TRUE(a.particles[l] == b.particles[l]) << l;
}

class Interrupt : public ::testing::TestWithParam<int> {};

TEST_P(Interrupt, ResumeFinishesWithTheSameParametersAsAnUninterruptedRun) {
  if (!fashion_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const int signal = GetParam();
  testing::TempDir straight_models, models;
  const auto straight = testing::run_train_dbm(run_args(straight_models.path()));
  ASSERT_EQ(straight.exit_code, 0) << straight.err;

  testing::RunningCommand run(DBM_TRAIN_DBM_EXE, run_args(models.path()));
  const fs::path run_dir = wait_for_checkpoint(models.path());
  ASSERT_FALSE(run_dir.empty()) << "no checkpoint appeared";
  run.send_signal(signal);
  const auto stopped = run.wait();
  if (signal == SIGINT) {
    EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
    EXPECT_NE(stopped.err.find("--resume " + run_dir.string()), std::string::npos) << stopped.err;
  } else {
    EXPECT_EQ(stopped.exit_code, 128 + SIGKILL);
  }
  ASSERT_TRUE(stopped.out.empty()) << "an interrupted run printed a run folder";
  EXPECT_FALSE(fs::exists(run_dir / "dbm.cereal")) << "finished before the signal; test too fast";
  EXPECT_NO_THROW(io::load_checkpoint(run_dir));

  auto resume_args = std::vector<std::string>{"--resume", run_dir.string(), "--threads", "2"};
  const auto resumed = testing::run_train_dbm(resume_args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(strip(resumed.out), run_dir.string());
  EXPECT_FALSE(fs::exists(run_dir / io::kCheckpointFileName));
  expect_same_parameters(io::load_model(strip(straight.out)), io::load_model(run_dir));

  // train.log keeps the first session's lines and adds the resumed one's.
  const std::string log = testing::read_bytes(run_dir / "train.log");
  const size_t started = log.find("new run folder " + run_dir.string());
  const size_t resumed_at = log.find("resuming run folder " + run_dir.string());
  EXPECT_NE(started, std::string::npos) << log;
  EXPECT_NE(resumed_at, std::string::npos) << log;
  EXPECT_LT(started, resumed_at) << log;
}

INSTANTIATE_TEST_SUITE_P(Signals, Interrupt, ::testing::Values(SIGINT, SIGKILL));

TEST(Resume, MissingCheckpointIsAClearError) {
  testing::TempDir dir;
  const auto result = testing::run_train_dbm({"--resume", dir.path().string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no checkpoint to resume from"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace dbm
