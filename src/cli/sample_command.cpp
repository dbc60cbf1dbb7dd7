// `train_dbm sample`: block-Gibbs samples of a trained model as a PNG grid (SPEC §2,
// ALGORITHM.md §4). Also the samples.png written at the end of every training run.

#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "cli/sample_grid.hpp"
#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/random.hpp"
#include "dbm/data/dataset.hpp"
#include "dbm/io/model_file.hpp"

namespace dbm::cli {
namespace {

namespace fs = std::filesystem;

struct SampleOptions {
  std::string model;
  int count = 100;
  bool count_given = false;
  int gibbs_steps = 1000;
  std::string out;
  std::optional<std::uint64_t> seed;
  int columns = 10;
  int from_data = 0;
  int every = 0;
  std::string tile;
  std::string data_dir;
  int threads = 0;
};

void check_options(const SampleOptions& o) {
  const auto at_least = [](const char* flag, int value, int minimum) {
    if (value < minimum) {
      throw UsageError(std::string(flag) + " must be at least " + std::to_string(minimum) +
                       ", got " + std::to_string(value));
    }
  };
  at_least("--count", o.count, 1);
  at_least("--gibbs-steps", o.gibbs_steps, 0);
  at_least("--columns", o.columns, 1);
  at_least("--from-data", o.from_data, 0);
  at_least("--every", o.every, 0);
  at_least("--threads", o.threads, 0);
  if (o.from_data > 0 && o.count_given && o.count != o.from_data) {
    throw UsageError("--count " + std::to_string(o.count) + " and --from-data " +
                     std::to_string(o.from_data) +
                     " disagree: --from-data N starts N chains, one per image; drop --count");
  }
}

// The first `n` training images of the model's data set, as the chains' start.
Matrix starting_images(const io::ModelFile& model, const SampleOptions& o) {
  const auto& c = model.config;
  data::DataOptions d;
  d.name = model.data.name.empty() ? c.data : model.data.name;
  d.data_dir = o.data_dir.empty() ? fs::path(c.data_dir) : fs::path(o.data_dir);
  d.faces_dir = c.faces_dir;
  d.image_size = c.image_size;
  d.limit = o.from_data;
  const data::Dataset data = data::load_dataset(d);
  for (const auto& warning : data.warnings) spdlog::warn("{}", warning);
  if (data.dimension() != model.dbm.layer_size(0)) {
    throw UsageError("--from-data: the images of " + data.source + " have " +
                     std::to_string(data.dimension()) + " pixels but the model has " +
                     std::to_string(model.dbm.layer_size(0)) + " visible units");
  }
  if (data.size() < o.from_data) {
    throw UsageError("--from-data " + std::to_string(o.from_data) + ": " + data.source +
                     " holds only " + std::to_string(data.size()) + " images");
  }
  spdlog::info("starting {} chains from the first {} training images of {}", o.from_data,
               o.from_data, data.source);
  return data.images.topRows(o.from_data);
}

int run_sample(const SampleOptions& o) {
  check_options(o);
  std::optional<io::TileShape> requested;
  if (!o.tile.empty()) requested = io::parse_tile_shape(o.tile);
  set_thread_count(o.threads);

  const auto model = io::load_model(o.model);
  const auto tile = io::choose_tile_shape(model.dbm.layer_size(0),
                                          {model.data.image_width, model.data.image_height},
                                          requested);
  const fs::path out = o.out.empty()
                           ? io::resolve_model_file(o.model).parent_path() / "samples.png"
                           : fs::path(o.out);
  io::check_writable(out);

  std::optional<Matrix> start;
  if (o.from_data > 0) start = starting_images(model, o);

  model::SamplerOptions options;
  options.n_chains = o.from_data > 0 ? o.from_data : o.count;
  options.gibbs_steps = o.gibbs_steps;
  options.snapshot_every = o.every;
  options.seed = o.seed ? *o.seed : random_seed_from_os();
  options.mean_field_steps = model.config.mean_field_steps;
  spdlog::info("sampling {} chains for {} Gibbs sweeps from {} (seed {})", options.n_chains,
               options.gibbs_steps, start ? "training images" : "random states", options.seed);
  write_sample_grids(model.dbm, options, start ? &*start : nullptr, tile, o.columns, out);
  std::cout << out.string() << std::endl;
  return 0;
}

class SampleCommand : public Command {
 public:
  CLI::App* add_to(CLI::App& root) override {
    auto* app = root.add_subcommand(
        "sample", "write a PNG grid of mean-field images sampled from a model by block Gibbs");
    auto& o = options_;
    app->add_option("--model", o.model, "run folder or its dbm.cereal")->required();
    count_ = app->add_option("--count", o.count, "number of chains (tiles)")->capture_default_str();
    app->add_option("--gibbs-steps", o.gibbs_steps, "block-Gibbs sweeps before the final images")
        ->capture_default_str();
    app->add_option("--out", o.out, "PNG file to write (default: samples.png in the run folder)");
    app->add_option("--seed", o.seed, "RNG seed (default: random; logged)");
    app->add_option("--columns", o.columns, "tiles per row")->capture_default_str();
    app->add_option("--from-data", o.from_data,
                    "start N chains from the first N training images instead of random states")
        ->capture_default_str();
    app->add_option("--every", o.every,
                    "also write the grid every K sweeps to OUT-<sweep>.png (0: off)")
        ->capture_default_str();
    app->add_option("--tile", o.tile,
                    "tile shape WIDTHxHEIGHT (default: the image size stored in the model)");
    app->add_option("--data-dir", o.data_dir,
                    "--from-data: root holding the data set (default: the one used in training)");
    app->add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str();
    return app;
  }
  int run() override {
    options_.count_given = count_->count() > 0;
    return run_sample(options_);
  }

 private:
  SampleOptions options_;
  CLI::Option* count_ = nullptr;
};

std::string grid_summary(Index n, int columns, io::TileShape tile) {
  const Index used = std::min<Index>(columns, n);
  return std::to_string((n + used - 1) / used) + "x" + std::to_string(used) + " grid of " +
         std::to_string(tile.width) + "x" + std::to_string(tile.height) + " tiles";
}

}  // namespace

void write_sample_grids(const model::Dbm& dbm, const model::SamplerOptions& options,
                        const Matrix* start, io::TileShape tile, int columns, const fs::path& out) {
  io::GridOptions grid;
  grid.columns = columns;
  grid.scaling = io::TileScaling::kUnit;
  const auto began = std::chrono::steady_clock::now();
  model::SnapshotCallback on_snapshot;
  if (options.snapshot_every > 0) {
    on_snapshot = [&](int sweep, const Matrix& images) {
      const fs::path file = io::snapshot_path(out, sweep, options.gibbs_steps);
      io::write_png(file, io::tile_grid(images, tile, grid));
      spdlog::info("sweep {}: wrote {}", sweep, file.string());
    };
  }
  const Matrix images = model::sample_images(dbm, options, start, on_snapshot);
  io::write_png(out, io::tile_grid(images, tile, grid));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  spdlog::info("wrote {} ({}, {} Gibbs sweeps, {:.1f} s)", out.string(),
               grid_summary(options.n_chains, columns, tile), options.gibbs_steps, seconds);
}

void write_run_samples(const model::Dbm& dbm, io::TileShape tile, std::uint64_t seed,
                       const fs::path& run_dir) {
  model::SamplerOptions options;
  options.seed = seed;
  try {
    write_sample_grids(dbm, options, nullptr, tile, 10, run_dir / "samples.png");
  } catch (const Error& e) {
    spdlog::warn("no samples.png: {} (the model is saved; retry with train_dbm sample --model {})",
                 e.what(), run_dir.string());
  }
}

std::unique_ptr<Command> make_sample_command() { return std::make_unique<SampleCommand>(); }

}  // namespace dbm::cli
