#pragma once
// Deterministic multi-threaded matrix products.
//
// Eigen's own threaded GEMM chooses its depth blocking from the thread count, so
// the same product gives different bits at 1 and 2 threads. Instead, the columns
// of the result are cut into panels fixed by the shape (independent of the thread count)
// and each panel is a single-threaded Eigen GEMM; OpenMP spreads the panels over
// the threads. Every output element is then computed by the same instructions in
// the same order at any --threads, and the speed stays within a few percent of
// Eigen's own threading (measured on 784x500 and 500x1000 shapes at batch 100).

#include "dbm/core/types.hpp"

namespace dbm {

int thread_count();

// Target width of one column panel of a result.
inline constexpr Index kProductPanel = 64;

// How `n_cols` columns are cut into panels: about kProductPanel wide, an even
// number of them, all of one width (a multiple of 4, Eigen's micro-kernel width)
// but the last. An even count of equal panels keeps two threads equally busy: 784
// columns as 13 panels of 64 gave one thread 448 columns and the other 336 (perf
// showed the idle thread spinning). The cut depends on the column count alone.
struct PanelCut {
  Index count;
  Index width;
};
inline PanelCut panel_cut(Index n_cols) {
  Index count = (n_cols + kProductPanel - 1) / kProductPanel;
  if (count > 1 && count % 2 == 1) ++count;
  Index width = (n_cols + count - 1) / count;
  width = (width + 3) / 4 * 4;
  count = (n_cols + width - 1) / width;
  return {count, width};
}

// Calls fn(begin, width) for each panel [begin, begin + width) of `n_cols` columns,
// spread over the threads. Panels are fixed by the column count alone, so any
// work done per panel is identical at any thread count. Fusing a product with
// what follows it (bias, sigmoid, sampling, an update) into one fn keeps the
// panel in cache and needs one parallel region instead of several.
template <typename Fn>
void for_each_panel(Index n_cols, Fn&& fn) {
  const PanelCut cut = panel_cut(n_cols);
#pragma omp parallel for schedule(static) num_threads(thread_count()) if (cut.count > 1)
  for (Index p = 0; p < cut.count; ++p) {
    const Index begin = p * cut.width;
    fn(begin, std::min(cut.width, n_cols - begin));
  }
}

// out = lhs * rhs (out must already have the right shape; no allocation).
// lhs and rhs may be any Eigen expressions such as X.transpose().
template <typename Lhs, typename Rhs>
void multiply(Eigen::Ref<Matrix> out, const Lhs& lhs, const Rhs& rhs) {
  for_each_panel(out.cols(), [&](Index begin, Index width) {
    out.middleCols(begin, width).noalias() = lhs * rhs.middleCols(begin, width);
  });
}

// out += alpha * lhs * rhs.
template <typename Lhs, typename Rhs>
void multiply_add(Eigen::Ref<Matrix> out, const Lhs& lhs, const Rhs& rhs, float alpha = 1.0f) {
  for_each_panel(out.cols(), [&](Index begin, Index width) {
    out.middleCols(begin, width).noalias() += alpha * (lhs * rhs.middleCols(begin, width));
  });
}

// Sets the number of threads used by the engine (0 = all cores). Eigen's internal
// threading stays off; parallelism comes from the panels above. Every parallel
// region of the engine names its size: num_threads(thread_count()).
void set_thread_count(int threads);
int thread_count();

}  // namespace dbm
