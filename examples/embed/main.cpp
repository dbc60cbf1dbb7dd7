// embed_dbm: the train_dbm engine used as a library, from an installed package.
//
//   embed_dbm MODEL [IMAGE.pgm]
//
// Loads a model (a run folder or its dbm.cereal) and prints the free energy of one
// image: IMAGE.pgm (resized to the model's visible layer when that is a square), or
// else the first example of the data set the model was trained on.
//
// For an RBM the free energy F(v) = -log sum_h exp(-E(v, h)) is exact. For a DBM it is
// the mean-field free energy F_q(v) = E(v, mu) - H(mu) >= F(v) (ALGORITHM.md §0, §3):
// mu are the mean-field posteriors, and because q factorises over units and E has no
// connections inside a layer, E_q[E(v, h)] = E(v, mu). For one hidden layer the
// mean-field posterior is exact, so both cases are the same formula.
//
// Exit code 0 on success; 1 with one line on stderr on any error.

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include "dbm/core/error.hpp"
#include "dbm/data/dataset.hpp"
#include "dbm/data/image_ops.hpp"
#include "dbm/data/pgm.hpp"
#include "dbm/io/model_file.hpp"
#include "dbm/model/dbm.hpp"

namespace {

// The visible vector (1 x N_0) of the image to score.
dbm::Matrix load_image(const dbm::io::ModelFile& model, int argc, char** argv) {
  const auto n_visible = model.dbm.layer_size(0);
  dbm::Matrix v(1, n_visible);
  if (argc > 2) {
    auto image = dbm::data::read_pgm(argv[2]);
    const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(n_visible))));
    if (static_cast<dbm::Index>(image.pixels.size()) != n_visible && side * side == n_visible) {
      image = dbm::data::resize_area(image, side, side);
    }
    if (static_cast<dbm::Index>(image.pixels.size()) != n_visible) {
      throw dbm::DataError(std::string(argv[2]) + ": " + std::to_string(image.pixels.size()) +
                           " pixels; the model's visible layer has " + std::to_string(n_visible));
    }
    for (dbm::Index i = 0; i < n_visible; ++i) v(0, i) = image.pixels[static_cast<size_t>(i)];
    return v;
  }
  dbm::data::DataOptions options;
  options.name = model.config.data;
  options.data_dir = model.config.data_dir;
  options.faces_dir = model.config.faces_dir;
  options.image_size = model.config.image_size;
  options.bars_size = model.data.image_width;
  options.limit = 1;
  const auto data = dbm::data::load_dataset(options);
  if (data.dimension() != n_visible) {
    throw dbm::DataError(data.source + ": images have " + std::to_string(data.dimension()) +
                         " pixels; the model's visible layer has " + std::to_string(n_visible));
  }
  v = data.images.row(0);
  return v;
}

// Mean-field free energy of each row of `v` (see the top of this file).
double free_energy(const dbm::io::ModelFile& model, const dbm::Matrix& v) {
  dbm::model::DbmWorkspace ws;
  ws.resize(model.dbm, v.rows());
  ws.layers[0] = v;
  dbm::model::mean_field(model.dbm, ws, model.config.mean_field_steps,
                         model.config.mean_field_tolerance);
  double entropy = 0.0;
  for (size_t l = 1; l < ws.layers.size(); ++l) {
    for (float mu : ws.layers[l].reshaped()) {
      const double p = mu;
      if (p > 0.0) entropy -= p * std::log(p);
      if (p < 1.0) entropy -= (1.0 - p) * std::log1p(-p);
    }
  }
  return model.dbm.energy(ws.layers)(0) - entropy;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: embed_dbm MODEL [IMAGE.pgm]\n";
    return 2;
  }
  try {
    const auto model = dbm::io::load_model(argv[1]);
    const auto v = load_image(model, argc, argv);
    std::string layers;
    for (int size : model.dbm.dimensions())
      layers += (layers.empty() ? "" : "-") + std::to_string(size);
    std::printf("model %s: layers %s (%s)\n", argv[1], layers.c_str(),
                model.dbm.n_layers() == 1 ? "RBM, exact" : "DBM, mean-field upper bound");
    std::printf("free energy %.12g\n", free_energy(model, v));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "embed_dbm: " << e.what() << "\n";
    return 1;
  }
}
