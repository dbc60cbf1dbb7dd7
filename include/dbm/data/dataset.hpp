#pragma once
// Data sets and where they come from (SPEC §3).
//
// load_dataset() is the registry: mnist and fashion_mnist (IDX files under
// <data_dir>/<name>/, Fashion-MNIST falling back to Debian's
// /usr/share/datasets/fashion-mnist/), faces (PGM images, data/faces.hpp) and the
// built-in bars_and_stripes. Pixels are scaled to [0, 1].

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"

namespace dbm::data {

struct Dataset {
  std::string name;              // e.g. "mnist"
  std::string source;            // file or folder the examples came from
  RowMajorMatrix images;         // N x D, values in [0, 1], one example per row
  std::vector<std::uint8_t> labels;  // N labels when the source has them, else empty
  int width = 0;                 // image width  (width * height == D)
  int height = 0;
  std::vector<std::string> warnings;  // non-fatal findings, one line each, for the caller to log

  Index size() const { return images.rows(); }
  Index dimension() const { return images.cols(); }
};

struct DataOptions {
  std::string name = "mnist";    // mnist | fashion_mnist | faces | bars_and_stripes
  std::filesystem::path data_dir = "data";
  std::filesystem::path faces_dir;  // empty: <data_dir>/faces
  int image_size = 28;           // faces: resized side length
  int bars_size = 4;             // bars_and_stripes: side length n
  std::string split = "train";   // train | test
  Index limit = 0;               // > 0: only the first `limit` examples
};

// Pixels per example that `options` will produce, known without reading any file
// (784 for MNIST, image_size^2 for faces, ...). Lets the CLI check --dimensions
// before loading. Throws UsageError for an unknown data set name.
Index expected_dimension(const DataOptions& options);

// Loads the data set. Throws DataError (missing or bad files; the message says
// how to get the data, e.g. scripts/fetch-data mnist) or UsageError (unknown name).
Dataset load_dataset(const DataOptions& options);

}  // namespace dbm::data
