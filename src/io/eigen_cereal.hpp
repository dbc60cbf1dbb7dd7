#pragma once
// Internal: Eigen dense matrices and vectors in cereal binary archives.
//
// Layout: uint64 rows, uint64 cols, then rows*cols scalars in column-major order as one
// binary_data block (a portable binary archive byte-swaps each scalar when needed).
// A vector is stored as a rows x 1 matrix.

#include <Eigen/Core>
#include <cereal/cereal.hpp>
#include <cereal/details/helpers.hpp>
#include <cstdint>
#include <string>

namespace dbm::io::detail {

// Bounds on a stored shape, checked before anything is allocated.
inline constexpr std::uint64_t kMaxStoredExtent = std::uint64_t{1} << 22;   // rows or cols
inline constexpr std::uint64_t kMaxStoredEntries = std::uint64_t{1} << 31;  // rows * cols

template <class Archive, class Derived>
void save_dense(Archive& ar, const Eigen::PlainObjectBase<Derived>& m) {
  using Scalar = typename Derived::Scalar;
  ar(static_cast<std::uint64_t>(m.rows()), static_cast<std::uint64_t>(m.cols()));
  ar(cereal::binary_data(m.data(), static_cast<std::size_t>(m.size()) * sizeof(Scalar)));
}

// Reads a matrix saved by save_dense. `check_shape(rows, cols)` runs first and throws to
// reject a shape the caller does not expect. Then the shape must be within the bounds
// above and, when the archive can say how many bytes it has left (`ar.bytes_left()`),
// its data must fit in them; otherwise cereal::Exception. Only then is `m` resized.
template <class Archive, class Derived, class CheckShape>
void load_dense(Archive& ar, Eigen::PlainObjectBase<Derived>& m, CheckShape&& check_shape) {
  using Scalar = typename Derived::Scalar;
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  ar(rows, cols);
  check_shape(rows, cols);
  const auto shape = std::to_string(rows) + "x" + std::to_string(cols);
  // Written as divisions so that a corrupted extent cannot overflow the product.
  if (rows > kMaxStoredExtent || cols > kMaxStoredExtent ||
      (cols != 0 && rows > kMaxStoredEntries / cols)) {
    throw cereal::Exception("a stored matrix claims to be " + shape +
                            ", beyond the supported size");
  }
  if ((Derived::ColsAtCompileTime == 1 && cols != 1) ||
      (Derived::RowsAtCompileTime == 1 && rows != 1)) {
    throw cereal::Exception("a stored vector claims to be " + shape);
  }
  const std::uint64_t n_bytes = rows * cols * sizeof(Scalar);
  if constexpr (requires { ar.bytes_left(); }) {
    if (n_bytes > ar.bytes_left()) {
      throw cereal::Exception("a stored " + shape + " matrix needs " + std::to_string(n_bytes) +
                              " bytes but only " + std::to_string(ar.bytes_left()) + " remain");
    }
  }
  m.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  ar(cereal::binary_data(m.data(), static_cast<std::size_t>(n_bytes)));
}

}  // namespace dbm::io::detail
