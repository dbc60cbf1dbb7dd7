#pragma once
// The faces data set: every *.pgm under the faces folder, resized and sparsified
// (SPEC §3). Implemented in src/data/faces.cpp.

#include "dbm/data/dataset.hpp"

namespace dbm::data {

// Loads faces per `options` (faces_dir or <data_dir>/faces, image_size, limit).
Dataset load_faces(const DataOptions& options);

}  // namespace dbm::data
