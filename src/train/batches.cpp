#include "dbm/train/batches.hpp"

#include <numeric>

namespace dbm::train {

void shuffle_order(Index n, RandomStream& rng, std::vector<Index>& order) {
  order.resize(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  for (Index i = n - 1; i > 0; --i) {
    const auto j = static_cast<Index>(rng.next_below(static_cast<std::uint64_t>(i + 1)));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
}

void gather_rows(const RowMajorMatrix& data, const std::vector<Index>& order, Index begin,
                 Index count, Matrix& out) {
  if (out.rows() != count || out.cols() != data.cols()) out.resize(count, data.cols());
  for (Index i = 0; i < count; ++i) out.row(i) = data.row(order[static_cast<size_t>(begin + i)]);
}

}  // namespace dbm::train
