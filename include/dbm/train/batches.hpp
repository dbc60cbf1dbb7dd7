#pragma once
// Mini-batch order: a fresh permutation of the examples every epoch, drawn from the
// run's RNG, and the gathering of one batch's rows into a dense matrix.

#include <vector>

#include "dbm/core/random.hpp"
#include "dbm/core/types.hpp"

namespace dbm::train {

// Fisher-Yates shuffle of 0..n-1 into `order` (resized to n).
void shuffle_order(Index n, RandomStream& rng, std::vector<Index>& order);

// out (resized to count x D only when the count changes) <- rows order[begin..begin+count) of data.
void gather_rows(const RowMajorMatrix& data, const std::vector<Index>& order, Index begin,
                 Index count, Matrix& out);

}  // namespace dbm::train
