// train_dbm: the command line. Parses flags into the engine's config structs, calls
// the engine, and is the only code that decides exit codes:
//   0 success, 2 bad usage (CLI11's message or a bad value), 1 anything else.

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"
#include "dbm/data/dataset.hpp"
#include "dbm/io/model_file.hpp"
#include "dbm/io/run_dir.hpp"
#include "dbm/report/logging.hpp"
#include "dbm/report/progress.hpp"
#include "dbm/train/trainer.hpp"

namespace {

using dbm::train::TrainConfig;

struct TrainOptions {
  TrainConfig config;
  std::string dimensions_text;
  std::optional<std::uint64_t> seed;
  std::string log_level = "info";
};

struct InspectOptions {
  std::string model;
  bool json = false;
};

std::string join(const std::vector<int>& values, const char* separator) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) text += (i ? separator : "") + std::to_string(values[i]);
  return text;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

void add_train_options(CLI::App& app, TrainOptions& o) {
  TrainConfig& c = o.config;
  app.add_option("-d,--dimensions", o.dimensions_text,
                 "REQUIRED visible and hidden layer sizes, comma separated, e.g. 784,500,1000");
  app.add_option("--data", c.data, "mnist | fashion_mnist | faces | bars_and_stripes")
      ->capture_default_str();
  app.add_option("--learning-rate", c.learning_rate, "learning rate of the stacked RBMs")
      ->capture_default_str();
  app.add_option("--k1", c.k1, "Gibbs steps of CD-k1 (the first ceil(epochs/2) passes)")
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
                 "passes of joint DBM training (0: stacked RBMs only; default: --epochs)");
  app.add_option("--finetune-learning-rate", c.finetune_learning_rate,
                 "initial learning rate of joint training (decays per 100 examples)")
      ->capture_default_str();
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
  app.add_option("--log-level", o.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
}

dbm::data::DataOptions data_options(const TrainConfig& c) {
  dbm::data::DataOptions d;
  d.name = c.data;
  d.data_dir = c.data_dir;
  d.faces_dir = c.faces_dir;
  d.image_size = c.image_size;
  d.limit = static_cast<dbm::Index>(c.limit);
  return d;
}

void log_config(const TrainConfig& c) {
  spdlog::info(
      "config: dimensions {} data {} learning-rate {} k1 {} k2 {} k3 {} epochs {} batch-size {} "
      "finetune-epochs {} finetune-learning-rate {} particles {} mean-field-steps {} "
      "momentum {}->{} after {} epochs weight-decay {} finetune-weight-decay {} limit {} "
      "threads {}",
      join(c.dimensions, ","), c.data, c.learning_rate, c.k1, c.k2, c.k3, c.epochs, c.batch_size,
      c.effective_finetune_epochs(), c.finetune_learning_rate, c.particles, c.mean_field_steps,
      c.initial_momentum, c.final_momentum, c.momentum_switch_epoch, c.weight_decay,
      c.finetune_weight_decay, c.limit, dbm::thread_count());
  spdlog::info("seed {}", c.seed);
}

int run_train(TrainOptions& o) {
  TrainConfig& config = o.config;
  if (o.dimensions_text.empty()) {
    throw dbm::UsageError("--dimensions is required, e.g. -d 784,500,1000");
  }
  config.dimensions = dbm::train::parse_dimensions(o.dimensions_text);
  config.validate();
  config.seed = o.seed ? *o.seed : dbm::random_seed_from_os();

  const auto options = data_options(config);
  const auto pixels = dbm::data::expected_dimension(options);
  if (config.dimensions.front() != pixels) {
    throw dbm::UsageError("--dimensions: the first size must equal the " +
                          std::to_string(pixels) + " pixels per example of --data " + config.data +
                          ", got " + std::to_string(config.dimensions.front()));
  }
  dbm::set_thread_count(config.threads);

  const auto start = std::chrono::system_clock::now();
  dbm::data::Dataset data = dbm::data::load_dataset(options);
  for (const auto& warning : data.warnings) spdlog::warn("{}", warning);
  spdlog::info("data: {} training examples of {}x{} pixels from {}", data.size(), data.width,
               data.height, data.source);

  const auto run_dir = dbm::io::create_run_folder(
      config.models_dir, dbm::io::run_folder_name(start, config.dimensions, config.data));
  dbm::report::add_log_file(run_dir / "train.log");
  spdlog::info("train_dbm {}: run folder {}", DBM_VERSION, run_dir.string());
  log_config(config);

  dbm::report::ProgressReporter reporter(stderr);
  const auto train_start = std::chrono::steady_clock::now();
  auto result = dbm::train::train_model(config, data.images, reporter);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();

  dbm::io::ModelFile model;
  model.config = config;
  model.dbm = std::move(result.dbm);
  model.particles = std::move(result.particles);
  model.metrics = std::move(result.metrics);
  model.data.name = data.name;
  model.data.source = data.source;
  model.data.n_examples = data.size();
  model.data.image_width = data.width;
  model.data.image_height = data.height;
  model.engine_version = DBM_VERSION;
  model.created_utc = utc_now_iso8601();
  model.training_seconds = seconds;
  dbm::io::save_model(run_dir / "dbm.cereal", model);
  dbm::io::write_file_atomically(run_dir / "dbm.json", dbm::io::metadata_json(model));
  spdlog::info("trained in {:.1f} s; model written to {}", seconds,
               (run_dir / "dbm.cereal").string());
  std::cout << run_dir.string() << std::endl;
  return 0;
}

int run_inspect(const InspectOptions& o) {
  const auto model = dbm::io::load_model(o.model);
  if (o.json) {
    std::cout << dbm::io::metadata_json(model) << std::endl;
    return 0;
  }
  const auto& c = model.config;
  std::ostringstream out;
  out << "model        " << dbm::io::resolve_model_file(o.model).string() << "\n"
      << "format       " << dbm::io::kModelFormatVersion << " (train_dbm "
      << model.engine_version << ", created " << model.created_utc << ")\n"
      << "layers       " << join(model.dbm.dimensions(), "-") << " ("
      << (model.dbm.n_layers() == 1 ? "RBM" : "DBM") << ")\n"
      << "data         " << model.data.name << ", " << model.data.n_examples << " examples of "
      << model.data.image_width << "x" << model.data.image_height << " from "
      << model.data.source << "\n"
      << "seed         " << c.seed << "\n"
      << "pretraining  epochs " << c.epochs << ", batch " << c.batch_size << ", learning rate "
      << c.learning_rate << ", CD-" << c.k1 << " then PCD-" << c.k2 << ", k3 " << c.k3
      << ", weight decay " << c.weight_decay << ", momentum " << c.initial_momentum << "->"
      << c.final_momentum << " after " << c.momentum_switch_epoch << " epochs\n"
      << "joint        epochs " << c.effective_finetune_epochs() << ", learning rate "
      << c.finetune_learning_rate << ", particles " << c.particles << ", mean-field steps "
      << c.mean_field_steps << ", weight decay " << c.finetune_weight_decay << "\n"
      << "particles    " << (model.particles.empty() ? 0 : model.particles[0].rows()) << "\n"
      << "trained in   " << model.training_seconds << " s\n";
  for (const auto& m : model.metrics) {
    out << "  " << (m.phase == "pretrain" ? "RBM " + std::to_string(m.layer) : std::string("DBM"))
        << " epoch " << m.epoch << ": reconstruction error " << m.reconstruction_error << ", "
        << m.seconds << " s\n";
  }
  std::cout << out.str();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"train_dbm: train Deep Boltzmann Machines on image data", "train_dbm"};
  app.set_version_flag("--version", std::string("train_dbm ") + DBM_VERSION);
  app.set_config("--config", "", "read options from a TOML/INI file");
  app.require_subcommand(0, 1);

  TrainOptions train_options;
  add_train_options(app, train_options);

  InspectOptions inspect_options;
  auto* inspect = app.add_subcommand("inspect", "print a model's layers, data, hyperparameters and metrics");
  inspect->add_option("--model", inspect_options.model, "run folder or its dbm.cereal")->required();
  inspect->add_flag("--json", inspect_options.json, "print the metadata as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    dbm::report::setup_logging(train_options.log_level);
    if (inspect->parsed()) return run_inspect(inspect_options);
    return run_train(train_options);
  } catch (const dbm::UsageError& e) {
    std::cerr << "error: " << e.what() << "\nRun with --help for more information.\n";
    return 2;
  } catch (const dbm::Error& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    spdlog::error("out of memory; try a smaller --limit, --batch-size or --dimensions");
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("unexpected error: {}", e.what());
    return 1;
  }
}
