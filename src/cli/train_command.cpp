// The bare command: train a DBM (SPEC §2, §4) and write its run folder.

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>

#include "cli/command.hpp"
#include "cli/evaluation_report.hpp"
#include "cli/format.hpp"
#include "cli/sample_grid.hpp"
#include "dbm/core/error.hpp"
#include "dbm/io/checkpoint.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"
#include "dbm/data/dataset.hpp"
#include "dbm/io/model_file.hpp"
#include "dbm/io/run_dir.hpp"
#include "dbm/report/logging.hpp"
#include "dbm/report/progress.hpp"
#include "dbm/train/trainer.hpp"

namespace dbm::cli {
namespace {

using train::TrainConfig;

struct TrainOptions {
  TrainConfig config;
  std::string dimensions_text;
  std::optional<std::uint64_t> seed;
  std::string resume;     // --resume RUN_DIR
  bool evaluate = false;  // --evaluate: log the test-split evaluation after training
};

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// -1 is TrainConfig's internal "not given" for the epoch counts that default to
// another flag; on the command line only a count of 0 or more is meaningful.
const CLI::Validator kEpochCount(
    [](std::string& text) {
      return (!text.empty() && text[0] == '-') ? "must be 0 or more, got " + text : std::string();
    },
    "COUNT");

void add_train_options(CLI::App& app, TrainOptions& o) {
  TrainConfig& c = o.config;
  app.add_option("-d,--dimensions", o.dimensions_text,
                 "REQUIRED visible and hidden layer sizes, comma separated, e.g. 784,500,1000");
  app.add_option("--data", c.data, "mnist | fashion_mnist | faces | bars_and_stripes")
      ->capture_default_str();
  app.add_option("--learning-rate", c.learning_rate, "learning rate of the stacked RBMs")
      ->capture_default_str();
  app.add_option("--k1", c.k1, "Gibbs steps of CD-k1 (the first --cd-epochs passes)")
      ->capture_default_str();
  app.add_option("--k2", c.k2, "Gibbs steps per update of the persistent chains (PCD-k2, DBM)")
      ->capture_default_str();
  app.add_option("--k3", c.k3, "Gibbs steps before passing the data to the next RBM")
      ->capture_default_str();
  app.add_option("--epochs", c.epochs, "training passes over the data for each RBM")
      ->capture_default_str();
  app.add_option("--batch-size", c.batch_size, "mini-batch size")->capture_default_str();

  app.add_option("--data-dir", c.data_dir, "root holding mnist/, fashion_mnist/, faces/")
      ->capture_default_str();
  app.add_option("--models-dir", c.models_dir, "where the run folder is created")
      ->capture_default_str();
  app.add_option("--faces-dir", c.faces_dir, "faces: folder searched for *.pgm (default <data-dir>/faces)");
  app.add_option("--image-size", c.image_size, "faces: side length images are resized to")
      ->capture_default_str();
  app.add_option("--finetune-epochs", c.finetune_epochs,
                 "passes of joint DBM training (0: stacked RBMs only; default: --epochs)")
      ->check(kEpochCount);
  app.add_option("--finetune-learning-rate", c.finetune_learning_rate,
                 "initial learning rate of joint training (decays per 100 examples)")
      ->capture_default_str();
  app.add_option("--cd-epochs", c.cd_epochs,
                 "passes of each RBM with CD-k1 before PCD-k2 (default: ceil(epochs/2); "
                 "= --epochs: CD only)")
      ->check(kEpochCount);
  app.add_flag("--binarize-data", c.binarize_data,
               "train on a fresh Bernoulli sample of every mini-batch instead of grey values");
  app.add_option("--particles", c.particles, "persistent fantasy particles for joint training")
      ->capture_default_str();
  app.add_option("--mean-field-steps", c.mean_field_steps,
                 "maximum mean-field iterations per positive phase")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "RNG seed (default: random; always logged and saved)");
  app.add_option("--limit", c.limit, "use only the first N training examples (0: all)")
      ->capture_default_str();
  app.add_option("--threads", c.threads, "threads (0: all cores)")->capture_default_str();
  app.add_option("--momentum", c.final_momentum, "momentum after --momentum-switch-epoch epochs")
      ->capture_default_str();
  app.add_option("--initial-momentum", c.initial_momentum, "momentum of the first epochs")
      ->capture_default_str();
  app.add_option("--momentum-switch-epoch", c.momentum_switch_epoch,
                 "epochs trained with --initial-momentum")
      ->capture_default_str();
  app.add_option("--weight-decay", c.weight_decay, "L2 weight decay during pretraining")
      ->capture_default_str();
  app.add_option("--finetune-weight-decay", c.finetune_weight_decay,
                 "L2 weight decay during joint training")
      ->capture_default_str();
  app.add_option("--resume", o.resume,
                 "continue an interrupted run from its checkpoint (uses the run's saved "
                 "configuration; only --threads and --log-level apply)");
  app.add_flag("--evaluate", o.evaluate,
               "after training, log log Z (AIS) and the test log-likelihood (see evaluate)");
}

data::DataOptions data_options(const TrainConfig& c) {
  data::DataOptions d;
  d.name = c.data;
  d.data_dir = c.data_dir;
  d.faces_dir = c.faces_dir;
  d.image_size = c.image_size;
  d.limit = static_cast<Index>(c.limit);
  return d;
}

void log_config(const TrainConfig& c) {
  spdlog::info(
      "config: dimensions {} data {} learning-rate {} k1 {} k2 {} k3 {} epochs {} cd-epochs {} "
      "batch-size {} binarize-data {} finetune-epochs {} finetune-learning-rate {} particles {} mean-field-steps {} "
      "momentum {}->{} after {} epochs weight-decay {} finetune-weight-decay {} limit {} "
      "threads {}",
      join(c.dimensions, ","), c.data, c.learning_rate, c.k1, c.k2, c.k3, c.epochs,
      c.effective_cd_epochs(), c.batch_size, c.binarize_data ? "on" : "off",
      c.effective_finetune_epochs(), c.finetune_learning_rate, c.particles, c.mean_field_steps,
      c.initial_momentum, c.final_momentum, c.momentum_switch_epoch, c.weight_decay,
      c.finetune_weight_decay, c.limit, thread_count());
  spdlog::info("seed {}", c.seed);
  // What the program ran under (dbm/core/process_environment.hpp): it moves speed.
  const auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "(unset)");
  };
  spdlog::debug("environment: OMP_WAIT_POLICY={} GOMP_SPINCOUNT={} GLIBC_TUNABLES={}",
                env("OMP_WAIT_POLICY"), env("GOMP_SPINCOUNT"), env("GLIBC_TUNABLES"));
}

// SIGINT/SIGTERM: the first asks training to stop after the current mini-batch
// (with a checkpoint); a second one exits at once. Checkpoints are written
// atomically, so exiting mid-write never corrupts the previous one.
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  if (g_stop_signal.exchange(signal) != 0) _exit(128 + signal);
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// The CLI's observer: progress on stderr, a checkpoint file after every epoch, and
// the stop flag set by the signal handlers.
class CliObserver : public report::ProgressReporter {
 public:
  CliObserver(const TrainConfig& config, const io::DataInfo& data, std::filesystem::path file)
      : report::ProgressReporter(stderr), file_(std::move(file)) {
    checkpoint_.config = config;
    checkpoint_.data = data;
  }
  bool stop_requested() override { return g_stop_signal.load() != 0; }
  void on_checkpoint(const train::TrainingState& state) override {
    checkpoint_.state = state;
    io::save_checkpoint(file_, checkpoint_);
  }

 private:
  std::filesystem::path file_;
  io::Checkpoint checkpoint_;
};

io::DataInfo data_info(const data::Dataset& data) {
  io::DataInfo info;
  info.name = data.name;
  info.source = data.source;
  info.n_examples = data.size();
  info.image_width = data.width;
  info.image_height = data.height;
  return info;
}

int run_train(TrainOptions& o) {
  TrainConfig& config = o.config;
  std::optional<io::Checkpoint> resumed;
  if (!o.resume.empty()) {
    // A resumed run continues with its own saved configuration; only --threads and
    // --log-level of this command line apply.
    resumed = io::load_checkpoint(o.resume);
    const int threads = config.threads;
    config = resumed->config;
    config.threads = threads;
  } else {
    if (o.dimensions_text.empty()) {
      throw UsageError("--dimensions is required, e.g. -d 784,500,1000");
    }
    config.dimensions = train::parse_dimensions(o.dimensions_text);
    config.validate();
    config.seed = o.seed ? *o.seed : random_seed_from_os();
  }

  const auto options = data_options(config);
  const auto pixels = data::expected_dimension(options);
  if (config.dimensions.front() != pixels) {
    throw UsageError("--dimensions: the first size must equal the " +
                          std::to_string(pixels) + " pixels per example of --data " + config.data +
                          ", got " + std::to_string(config.dimensions.front()));
  }
  set_thread_count(config.threads);

  if (o.evaluate && (config.data == "mnist" || config.data == "fashion_mnist")) {
    // --evaluate reads the test split after training: find out now, not after hours
    // of training, that it is missing or unreadable.
    data::DataOptions test_split = options;
    test_split.split = "test";
    test_split.limit = 1;
    data::load_dataset(test_split);
  }
  const auto start = std::chrono::system_clock::now();
  data::Dataset data = data::load_dataset(options);
  for (const auto& warning : data.warnings) spdlog::warn("{}", warning);
  spdlog::info("data: {} training examples of {}x{} pixels from {}", data.size(), data.width,
               data.height, data.source);
  if (resumed && resumed->data.n_examples != data.size()) {
    throw DataError("cannot resume: the run trained on " +
                    std::to_string(resumed->data.n_examples) + " examples of " +
                    resumed->data.source + " but " + std::to_string(data.size()) +
                    " were loaded from " + data.source);
  }

  const std::filesystem::path run_dir =
      resumed ? std::filesystem::path(o.resume)
              : io::create_run_folder(config.models_dir,
                                      io::run_folder_name(start, config.dimensions, config.data));
  // From here on, Ctrl-C stops cleanly with a checkpoint (at the first mini-batch).
  install_stop_handlers();
  report::add_log_file(run_dir / "train.log");
  spdlog::info("train_dbm {}: {} run folder {}", DBM_VERSION, resumed ? "resuming" : "new",
               run_dir.string());
  log_config(config);

  CliObserver observer(config, data_info(data), run_dir / io::kCheckpointFileName);
  double seconds_before = 0.0;
  if (resumed) {
    for (const auto& m : resumed->state.metrics) seconds_before += m.seconds;
  }
  const auto train_start = std::chrono::steady_clock::now();
  train::TrainingResult result;
  try {
    result = train::train_model(config, data.images, observer, resumed ? &resumed->state : nullptr);
  } catch (const Interrupted& e) {
    const int signal = g_stop_signal.load();
    spdlog::warn("{} by {}; checkpoint written to {}; continue with: train_dbm --resume {}",
                 e.what(), signal == SIGTERM ? "SIGTERM" : "SIGINT",
                 (run_dir / io::kCheckpointFileName).string(), run_dir.string());
    return 128 + signal;
  }
  const double seconds =
      seconds_before +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();

  io::ModelFile model;
  model.config = config;
  model.dbm = std::move(result.dbm);
  model.particles = std::move(result.particles);
  model.metrics = std::move(result.metrics);
  model.data = data_info(data);
  model.engine_version = DBM_VERSION;
  model.created_utc = utc_now_iso8601();
  model.training_seconds = seconds;
  io::save_model(run_dir / "dbm.cereal", model);
  io::write_file_atomically(run_dir / "dbm.json", io::metadata_json(model));
  // The finished model supersedes the checkpoint.
  std::error_code ignored;
  std::filesystem::remove(run_dir / io::kCheckpointFileName, ignored);
  spdlog::info("trained in {:.1f} s; model written to {}", seconds,
               (run_dir / "dbm.cereal").string());
  write_run_samples(model.dbm, {data.width, data.height}, config.seed, run_dir);
  if (o.evaluate) log_evaluation(model, (run_dir / "dbm.cereal").string(), data.images);
  std::cout << run_dir.string() << std::endl;
  return 0;
}

class TrainCommand : public Command {
 public:
  CLI::App* add_to(CLI::App& root) override {
    add_train_options(root, options_);
    return &root;
  }
  int run() override { return run_train(options_); }

 private:
  TrainOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_train_command(const GlobalOptions& /*global*/) {
  return std::make_unique<TrainCommand>();
}

}  // namespace dbm::cli
