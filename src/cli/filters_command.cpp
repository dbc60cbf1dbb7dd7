// `train_dbm filters`: the learned features of one layer as a PNG grid (SPEC §2).

#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "dbm/core/error.hpp"
#include "dbm/io/model_file.hpp"
#include "dbm/io/png.hpp"
#include "dbm/model/sampler.hpp"

namespace dbm::cli {
namespace {

namespace fs = std::filesystem;

struct FiltersOptions {
  std::string model;
  int layer = 1;
  int count = 100;
  std::string out;
  int columns = 10;
  std::string tile;
};

int run_filters(const FiltersOptions& o) {
  if (o.count < 1) throw UsageError("--count must be at least 1, got " + std::to_string(o.count));
  if (o.columns < 1) {
    throw UsageError("--columns must be at least 1, got " + std::to_string(o.columns));
  }
  if (o.layer < 1) throw UsageError("--layer must be at least 1, got " + std::to_string(o.layer));
  std::optional<io::TileShape> requested;
  if (!o.tile.empty()) requested = io::parse_tile_shape(o.tile);

  const auto model = io::load_model(o.model);
  const auto tile = io::choose_tile_shape(model.dbm.layer_size(0),
                                          {model.data.image_width, model.data.image_height},
                                          requested);
  const std::string default_name =
      o.layer == 1 ? "filters.png" : "filters-layer" + std::to_string(o.layer) + ".png";
  const fs::path out =
      o.out.empty() ? io::resolve_model_file(o.model).parent_path() / default_name : fs::path(o.out);
  const RowMajorMatrix filters = model::filter_images(model.dbm, o.layer, o.count);
  io::check_writable(out);

  io::GridOptions grid;
  grid.columns = o.columns;
  grid.scaling = io::TileScaling::kPerTile;
  io::write_png(out, io::tile_grid(filters, tile, grid));
  if (filters.rows() < o.count) {
    spdlog::info("layer {} has only {} units; showing all of them", o.layer, filters.rows());
  }
  spdlog::info("wrote {} ({} filters of layer {}, {}x{} tiles)", out.string(), filters.rows(),
               o.layer, tile.width, tile.height);
  std::cout << out.string() << std::endl;
  return 0;
}

class FiltersCommand : public Command {
 public:
  CLI::App* add_to(CLI::App& root) override {
    auto* app = root.add_subcommand(
        "filters", "write a PNG grid of learned features (weight vectors) of one layer");
    auto& o = options_;
    app->add_option("--model", o.model, "run folder or its dbm.cereal")->required();
    app->add_option("--layer", o.layer,
                    "hidden layer (1: columns of W1; l > 1: columns of W1 W2 ... Wl)")
        ->capture_default_str();
    app->add_option("--count", o.count, "number of units shown (the first ones)")
        ->capture_default_str();
    app->add_option("--out", o.out,
                    "PNG file to write (default: filters.png, or filters-layerL.png, in the run "
                    "folder)");
    app->add_option("--columns", o.columns, "tiles per row")->capture_default_str();
    app->add_option("--tile", o.tile,
                    "tile shape WIDTHxHEIGHT (default: the image size stored in the model)");
    return app;
  }
  int run() override { return run_filters(options_); }

 private:
  FiltersOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_filters_command() { return std::make_unique<FiltersCommand>(); }

}  // namespace dbm::cli
