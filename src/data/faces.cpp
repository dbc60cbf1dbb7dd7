#include "dbm/data/faces.hpp"

#include "dbm/core/error.hpp"

namespace dbm::data {

Dataset load_faces(const DataOptions& /*options*/) {
  throw UsageError("--data faces: not yet supported in this version; use mnist or fashion_mnist");
}

}  // namespace dbm::data
