// Checkpoints and resume: a run stopped after any mini-batch, written to disk as a
// checkpoint and resumed, ends with exactly the same bits as an uninterrupted run.

#include <gtest/gtest.h>

#include <random>

#include "dbm/core/error.hpp"
#include "dbm/io/checkpoint.hpp"
#include "dbm/train/trainer.hpp"
#include "support/temp_dir.hpp"

namespace dbm::train {
namespace {

// Asks to stop after `stop_after` mini-batches and writes every checkpoint to disk.
class StoppingObserver : public TrainingObserver {
 public:
  StoppingObserver(long stop_after, std::filesystem::path file, io::Checkpoint base)
      : stop_after_(stop_after), file_(std::move(file)), checkpoint_(std::move(base)) {}
  void on_batch(const BatchProgress&) override { ++batches_; }
  bool stop_requested() override { return stop_after_ >= 0 && batches_ >= stop_after_; }
  void on_checkpoint(const TrainingState& state) override {
    checkpoint_.state = state;
    io::save_checkpoint(file_, checkpoint_);
    ++checkpoints_;
  }
  long batches() const { return batches_; }
  int checkpoints() const { return checkpoints_; }

 private:
  long stop_after_;
  long batches_ = 0;
  int checkpoints_ = 0;
  std::filesystem::path file_;
  io::Checkpoint checkpoint_;
};

RowMajorMatrix random_data(Index n, Index d) {
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  RowMajorMatrix data(n, d);
  for (Index i = 0; i < data.size(); ++i) data.data()[i] = uniform(gen);
  return data;
}

TrainConfig small_config() {
  TrainConfig c;
  c.dimensions = {20, 12, 8};
  c.epochs = 4;           // 2 CD + 2 PCD epochs per RBM
  c.finetune_epochs = 2;
  c.batch_size = 16;      // 100 examples: 6 full batches + 1 partial per epoch
  c.particles = 10;
  c.k3 = 1;
  c.seed = 77;
  return c;
}

void expect_same(const TrainingResult& a, const TrainingResult& b) {
  ASSERT_EQ(a.dbm.weights.size(), b.dbm.weights.size());
  for (size_t l = 0; l < a.dbm.weights.size(); ++l) EXPECT_TRUE(a.dbm.weights[l] == b.dbm.weights[l]) << l;
  for (size_t l = 0; l < a.dbm.biases.size(); ++l) EXPECT_TRUE(a.dbm.biases[l] == b.dbm.biases[l]) << l;
  for (size_t l = 0; l < a.particles.size(); ++l) EXPECT_TRUE(a.particles[l] == b.particles[l]) << l;
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (size_t i = 0; i < a.metrics.size(); ++i) {
    EXPECT_EQ(a.metrics[i].reconstruction_error, b.metrics[i].reconstruction_error) << i;
  }
}

class Resume : public ::testing::TestWithParam<long> {};

// Trains `config` without a stop, and again stopped after `stop_after` batches and
// resumed from the checkpoint; both must end with the same bits.
void expect_resume_is_exact(const TrainConfig& config, long stop_after) {
  const RowMajorMatrix data = random_data(100, 20);
  TrainingObserver quiet;
  const TrainingResult uninterrupted = train_model(config, data, quiet);

  testing::TempDir dir;
  const auto file = dir / "checkpoint.cereal";
  io::Checkpoint base;
  base.config = config;
  StoppingObserver stopping(stop_after, file, base);
  EXPECT_THROW(train_model(config, data, stopping), Interrupted);
  EXPECT_EQ(stopping.batches(), stop_after);

  io::Checkpoint loaded = io::load_checkpoint(dir.path());
  EXPECT_EQ(loaded.config.seed, config.seed);
  StoppingObserver never(-1, file, base);
  const TrainingResult resumed = train_model(loaded.config, data, never, &loaded.state);
  expect_same(uninterrupted, resumed);
}

TEST_P(Resume, StoppedAndResumedRunEndsBitIdentical) {
  expect_resume_is_exact(small_config(), GetParam());
}

// With --binarize-data, CD at small batches draws the next batch's pixels before
// the weight update (it looks one batch ahead); a checkpoint must still resume
// from the draws of the batch it was taken after.
TEST_P(Resume, StoppedAndResumedRunWithBinarisedDataEndsBitIdentical) {
  TrainConfig config = small_config();
  config.binarize_data = true;
  expect_resume_is_exact(config, GetParam());
}

// 7 batches per epoch, 4 epochs per RBM, 2 RBMs, then 2 joint epochs (70 batches).
// Stops: inside a CD epoch, exactly at an epoch end, inside a PCD epoch, at the end
// of RBM 1, inside RBM 2, at the end of pretraining, inside both joint epochs.
INSTANTIATE_TEST_SUITE_P(AtManyPoints, Resume, ::testing::Values(3L, 7L, 17L, 28L, 40L, 56L, 60L, 66L));

TEST(Checkpoint, RejectsMissingTruncatedAndForeignFiles) {
  testing::TempDir dir;
  EXPECT_THROW(io::load_checkpoint(dir.path()), ModelFileError);

  const RowMajorMatrix data = random_data(100, 20);
  io::Checkpoint base;
  base.config = small_config();
  StoppingObserver stopping(10, dir / "checkpoint.cereal", base);
  EXPECT_THROW(train_model(base.config, data, stopping), Interrupted);
  const std::string bytes = testing::read_bytes(dir / "checkpoint.cereal");
  for (size_t cut : {size_t{0}, size_t{5}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    testing::write_bytes(dir / "cut.cereal", bytes.substr(0, cut));
    EXPECT_THROW(io::load_checkpoint(dir / "cut.cereal"), ModelFileError) << cut;
  }
  testing::write_bytes(dir / "html.cereal", "<html><body>404</body></html>");
  EXPECT_THROW(io::load_checkpoint(dir / "html.cereal"), ModelFileError);
}

// A checkpoint whose settings were damaged on disk (a flipped byte can turn --k2 5
// into 16711685, which would make one mini-batch run for hours) is refused with the
// file's name instead of being resumed.
TEST(Checkpoint, RejectsDamagedTrainingSettings) {
  testing::TempDir dir;
  const RowMajorMatrix data = random_data(100, 20);
  io::Checkpoint base;
  base.config = small_config();
  StoppingObserver stopping(10, dir / "checkpoint.cereal", base);
  EXPECT_THROW(train_model(base.config, data, stopping), Interrupted);
  const io::Checkpoint good = io::load_checkpoint(dir.path());

  const std::vector<std::pair<std::string, void (*)(TrainConfig&)>> damages{
      {"--k2", [](TrainConfig& c) { c.k2 = 16711685; }},
      {"--batch-size", [](TrainConfig& c) { c.batch_size = 0; }},
      {"--learning-rate", [](TrainConfig& c) { c.learning_rate = -1.0f; }}};
  for (const auto& [flag, damage] : damages) {
    io::Checkpoint bad = good;
    damage(bad.config);
    const auto file = dir / "damaged.cereal";
    io::save_checkpoint(file, bad);
    try {
      io::load_checkpoint(file);
      ADD_FAILURE() << flag << ": a damaged checkpoint was accepted";
    } catch (const ModelFileError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(file.string()), std::string::npos) << message;
      EXPECT_NE(message.find(flag), std::string::npos) << message;
    }
  }
  // A damaged position in training ("resuming at epoch -2147483647").
  for (const int epochs_done : {-2147483647, 1000}) {
    io::Checkpoint bad = good;
    bad.state.progress.epochs_done = epochs_done;
    io::save_checkpoint(dir / "damaged.cereal", bad);
    EXPECT_THROW(io::load_checkpoint(dir / "damaged.cereal"), ModelFileError) << epochs_done;
  }
}

}  // namespace
}  // namespace dbm::train
