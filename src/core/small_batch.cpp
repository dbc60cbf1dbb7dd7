#include "dbm/core/small_batch.hpp"

#include "dbm/core/linalg.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

namespace dbm {
namespace {

// Eigen's SIMD packet for float on the build's target (16 lanes with AVX-512, 8
// with AVX, 4 with SSE), so the kernels follow -march like the rest of Eigen.
using Packet = Eigen::internal::packet_traits<float>::type;
constexpr Index kLanes = static_cast<Index>(sizeof(Packet) / sizeof(float));
using Eigen::internal::padd;
using Eigen::internal::pmadd;
using Eigen::internal::pmul;
using Eigen::internal::predux;
using Eigen::internal::pset1;
using Eigen::internal::pstoreu;
using Eigen::internal::pcmp_eq;
using Eigen::internal::pselect;
using Eigen::internal::psub;

inline Packet load(const float* p) { return Eigen::internal::ploadu<Packet>(p); }

// At most this many examples share one pass over the weights: M x 4 accumulators
// plus the loaded operands must fit the 32 vector registers of AVX-512.
constexpr int kMaxGroupRows = 6;

// Splits m rows into the fewest groups of at most kMaxGroupRows, as even as
// possible (5 -> 5; 8 -> 4 + 4; 16 -> 6 + 5 + 5), and calls fn(first_row, rows).
template <typename Fn>
void for_each_row_group(Index m, Fn&& fn) {
  const Index groups = (m + kMaxGroupRows - 1) / kMaxGroupRows;
  Index first = 0;
  for (Index g = 0; g < groups; ++g) {
    const Index rows = m / groups + (g < m % groups ? 1 : 0);
    fn(first, rows);
    first += rows;
  }
}

// Calls kernel.template run<M>() for the runtime row count 1..kMaxGroupRows.
template <typename Kernel>
void dispatch_rows(Index rows, Kernel&& kernel) {
  switch (rows) {
    case 1: kernel.template run<1>(); break;
    case 2: kernel.template run<2>(); break;
    case 3: kernel.template run<3>(); break;
    case 4: kernel.template run<4>(); break;
    case 5: kernel.template run<5>(); break;
    case 6: kernel.template run<6>(); break;
    default: assert(false && "row group larger than kMaxGroupRows");
  }
}

inline void store(float* out, float value, float scale, bool accumulate) {
  *out = accumulate ? *out + scale * value : scale * value;
}

// Dot products of M examples (rows of A, contiguous in A^T) with NJ weight columns,
// all accumulated in registers over the shared dimension K.
template <int M, int NJ>
void dot_block(const float* const* a, const float* const* w, Index k_size, float (&sums)[M][NJ]) {
  Packet acc[M][NJ];
  for (int b = 0; b < M; ++b)
    for (int j = 0; j < NJ; ++j) acc[b][j] = pset1<Packet>(0.0f);
  Index k = 0;
  for (; k + kLanes <= k_size; k += kLanes) {
    Packet wk[NJ];
    for (int j = 0; j < NJ; ++j) wk[j] = load(w[j] + k);
    for (int b = 0; b < M; ++b) {
      const Packet ak = load(a[b] + k);
      for (int j = 0; j < NJ; ++j) acc[b][j] = pmadd(ak, wk[j], acc[b][j]);
    }
  }
  for (int b = 0; b < M; ++b) {
    for (int j = 0; j < NJ; ++j) {
      float sum = predux(acc[b][j]);
      for (Index t = k; t < k_size; ++t) sum += a[b][t] * w[j][t];
      sums[b][j] = sum;
    }
  }
}

struct TimesWeights {
  const Matrix& a_t;
  const Matrix& weights;
  Index begin, width, first_row;
  float scale;
  bool accumulate;
  float* out;

  template <int M>
  void run() const {
    const Index m = a_t.cols();
    const Index k_size = a_t.rows();
    const float* a[M];
    for (int b = 0; b < M; ++b) a[b] = a_t.col(first_row + b).data();
    Index j = 0;
    constexpr int kCols = 4;
    for (; j + kCols <= width; j += kCols) columns<M, kCols>(a, j, m, k_size);
    for (; j < width; ++j) columns<M, 1>(a, j, m, k_size);
  }

  template <int M, int NJ>
  void columns(const float* const* a, Index j, Index m, Index k_size) const {
    const float* w[NJ];
    for (int c = 0; c < NJ; ++c) w[c] = weights.col(begin + j + c).data();
    float sums[M][NJ];
    dot_block<M, NJ>(a, w, k_size, sums);
    for (int c = 0; c < NJ; ++c)
      for (int b = 0; b < M; ++b)
        store(out + (j + c) * m + first_row + b, sums[b][c], scale, accumulate);
  }
};

// M examples times a block of R * kLanes consecutive weight rows: each step of the
// shared dimension loads R packets of one weight column and broadcasts one entry
// of A per example.
template <int M, int R>
void axpy_block(const float* a, Index lda, const float* w, Index ldw, Index k_size,
                float (&sums)[M][R * kLanes]) {
  Packet acc[M][R];
  for (int b = 0; b < M; ++b)
    for (int r = 0; r < R; ++r) acc[b][r] = pset1<Packet>(0.0f);
  for (Index k = 0; k < k_size; ++k) {
    const float* wk = w + k * ldw;
    Packet wv[R];
    for (int r = 0; r < R; ++r) wv[r] = load(wk + r * kLanes);
    const float* ak = a + k * lda;
    for (int b = 0; b < M; ++b) {
      const Packet av = pset1<Packet>(ak[b]);
      for (int r = 0; r < R; ++r) acc[b][r] = pmadd(wv[r], av, acc[b][r]);
    }
  }
  for (int b = 0; b < M; ++b)
    for (int r = 0; r < R; ++r) pstoreu(sums[b] + r * kLanes, acc[b][r]);
}

struct TimesWeightsTransposed {
  const Matrix& a;
  const Matrix& weights;
  Index begin, width, first_row;
  float scale;
  bool accumulate;
  float* out;

  template <int M>
  void run() const {
    constexpr int kPackets = 4;
    Index j = 0;
    for (; j + kPackets * kLanes <= width; j += kPackets * kLanes) rows<M, kPackets>(j);
    for (; j + kLanes <= width; j += kLanes) rows<M, 1>(j);
    if (j < width && width >= kLanes) {
      // The last few rows: one more packet that ends at the block's end, storing
      // only the rows not yet done. Each entry is still the same sum over k.
      rows<M, 1>(width - kLanes, j);
      return;
    }
    // A block narrower than a packet: plain dot products.
    const Index m = a.rows();
    const Index k_size = weights.cols();
    for (; j < width; ++j) {
      for (int b = 0; b < M; ++b) {
        float sum = 0.0f;
        for (Index k = 0; k < k_size; ++k) sum += a(first_row + b, k) * weights(begin + j, k);
        store(out + j * m + first_row + b, sum, scale, accumulate);
      }
    }
  }

  // Result columns [j, j + R * kLanes), of which those from `first_new` on are stored.
  template <int M, int R>
  void rows(Index j, Index first_new = -1) const {
    const Index m = a.rows();
    float sums[M][R * kLanes];
    axpy_block<M, R>(a.data() + first_row, m, weights.data() + begin + j, weights.rows(),
                     weights.cols(), sums);
    for (Index c = std::max<Index>(0, first_new - j); c < R * kLanes; ++c)
      for (int b = 0; b < M; ++b)
        store(out + (j + c) * m + first_row + b, sums[b][c], scale, accumulate);
  }
};

}  // namespace

void TransposeCache::begin() {
  for (auto& buffer : buffers_) buffer->in_use = false;
}

const Matrix& TransposeCache::transposed(const Matrix& m) {
  for (auto& buffer : buffers_) {
    if (!buffer->in_use && buffer->matrix.rows() == m.cols() && buffer->matrix.cols() == m.rows()) {
      buffer->in_use = true;
      buffer->matrix = m.transpose();
      return buffer->matrix;
    }
  }
  buffers_.push_back(std::make_unique<Buffer>());
  buffers_.back()->in_use = true;
  buffers_.back()->matrix = m.transpose();
  return buffers_.back()->matrix;
}

void multiply_few_rows(Matrix& out, const Matrix& a, const Matrix& weights) {
  thread_local TransposeCache cache;
  cache.begin();
  const Matrix& a_transposed = cache.transposed(a);
  for_each_panel(out.cols(), [&](Index begin, Index width) {
    small_times_weights(a_transposed, weights, begin, width, 1.0f, false, out.col(begin).data());
  });
}

void small_times_weights(const Matrix& a_transposed, const Matrix& weights, Index begin,
                         Index width, float scale, bool accumulate, float* out) {
  assert(a_transposed.rows() == weights.rows());
  for_each_row_group(a_transposed.cols(), [&](Index first_row, Index rows) {
    dispatch_rows(rows, TimesWeights{a_transposed, weights, begin, width, first_row, scale,
                                     accumulate, out});
  });
}

void small_times_weights_transposed(const Matrix& a, const Matrix& weights, Index begin,
                                    Index width, float scale, bool accumulate, float* out) {
  assert(a.cols() == weights.cols());
  for_each_row_group(a.rows(), [&](Index first_row, Index rows) {
    dispatch_rows(rows, TimesWeightsTransposed{a, weights, begin, width, first_row, scale,
                                               accumulate, out});
  });
}

namespace {

// Most examples one momentum step takes: two terms (positive and negative phase)
// of up to kSmallBatchRows each, with room to spare.
constexpr size_t kMaxTerms = 4 * kSmallBatchRows;

// The momentum step's arithmetic for one entry of a column, in the one order every
// path below follows, so that an entry's bits do not depend on how the columns
// were grouped:  acc = fma(momentum, delta, -decay * theta), then
// acc = fma(lhs_i, coefficient_i, acc) for each example i in turn.
struct MomentumStep {
  const float* const* lhs_columns;  // n_terms columns of L^T, one per example
  size_t n_terms;
  Index k_size;
  float momentum, decay;

  // Rows [k, ...) of columns j[0..NC) of delta and theta (pointers to their first
  // entry), whose coefficients are coefficient[c * stride + i], in steps of R
  // packets: stores the new delta, and theta + delta into theta where that delta
  // is finite (adding it while the entries are still in L1 saves a second pass over
  // the weights; a separate pass, which reread them from L2, took a quarter of the
  // update's time). Adds acc - acc (0, or NaN for an infinite or NaN entry) into
  // nonfinite[c]. Returns the first row not done.
  template <int R, int NC>
  Index packets(float* const* d, float* const* w, const float* coefficient, size_t stride, Index k,
                Packet (&nonfinite)[NC]) const {
    const Packet momentum_p = pset1<Packet>(momentum);
    const Packet minus_decay_p = pset1<Packet>(-decay);
    const Packet zero = pset1<Packet>(0.0f);
    for (; k + R * kLanes <= k_size; k += R * kLanes) {
      Packet acc[NC][R];
      for (int c = 0; c < NC; ++c)
        for (int r = 0; r < R; ++r)
          acc[c][r] = pmadd(momentum_p, load(d[c] + k + r * kLanes),
                            pmul(minus_decay_p, load(w[c] + k + r * kLanes)));
      for (size_t i = 0; i < n_terms; ++i) {
        Packet l[R];
        for (int r = 0; r < R; ++r) l[r] = load(lhs_columns[i] + k + r * kLanes);
        for (int c = 0; c < NC; ++c) {
          const Packet coefficient_p = pset1<Packet>(coefficient[c * stride + i]);
          for (int r = 0; r < R; ++r) acc[c][r] = pmadd(l[r], coefficient_p, acc[c][r]);
        }
      }
      for (int c = 0; c < NC; ++c) {
        for (int r = 0; r < R; ++r) {
          const Packet not_finite = psub(acc[c][r], acc[c][r]);
          nonfinite[c] = padd(nonfinite[c], not_finite);
          pstoreu(d[c] + k + r * kLanes, acc[c][r]);
          const Packet old_w = load(w[c] + k + r * kLanes);
          pstoreu(w[c] + k + r * kLanes,
                  pselect(pcmp_eq(not_finite, zero), padd(old_w, acc[c][r]), old_w));
        }
      }
    }
    return k;
  }

  // The entries after the last whole packet of one column, in scalar code.
  float tail(float* d, float* w, const float* coefficient, Index k) const {
    float nonfinite = 0.0f;
    for (; k < k_size; ++k) {
      float acc = momentum * d[k] - decay * w[k];
      for (size_t i = 0; i < n_terms; ++i) acc += lhs_columns[i][k] * coefficient[i];
      const float not_finite = acc - acc;
      nonfinite += not_finite;
      d[k] = acc;
      if (not_finite == 0.0f) w[k] += acc;
    }
    return nonfinite;
  }

  // Columns [j, j + NC) of delta and theta: the new delta, and theta += delta
  // wherever that delta is finite. Returns false if any entry's was not.
  template <int NC, int R>
  bool update_columns(Matrix& theta, Matrix& delta, Index j,
                      std::initializer_list<SmallGradientTerm> terms) const {
    float coefficient[NC * kMaxTerms];
    float* d[NC];
    float* w[NC];
    for (int c = 0; c < NC; ++c) {
      size_t i = 0;
      for (const SmallGradientTerm& t : terms) {
        for (Index b = 0; b < t.rhs->rows(); ++b) {
          coefficient[c * n_terms + i++] = t.scale * (*t.rhs)(b, j + c);
        }
      }
      d[c] = delta.col(j + c).data();
      w[c] = theta.col(j + c).data();
    }
    Packet nonfinite[NC];
    for (int c = 0; c < NC; ++c) nonfinite[c] = pset1<Packet>(0.0f);
    Index k = packets<R, NC>(d, w, coefficient, n_terms, 0, nonfinite);
    k = packets<1, NC>(d, w, coefficient, n_terms, k, nonfinite);
    bool all_finite = true;
    for (int c = 0; c < NC; ++c) {
      const float column_nonfinite =
          predux(nonfinite[c]) + tail(d[c], w[c], coefficient + c * n_terms, k);
      if (column_nonfinite != 0.0f) all_finite = false;
    }
    return all_finite;
  }
};

}  // namespace

bool small_momentum_columns(Matrix& theta, Matrix& delta, Index begin, Index width,
                            float momentum, float decay,
                            std::initializer_list<SmallGradientTerm> terms) {
  // Every example of every term is one column of L^T with one coefficient per
  // column of theta: delta(:, j) += sum_i coefficient_i(j) * lhs_column_i. A tile
  // of kColumns columns x kRowPackets packets loads each L^T packet once for all its
  // columns. (Measured: the tiling alone did not change the speed; adding delta
  // into theta in the same pass did.)
  constexpr int kColumns = 4;
  constexpr int kRowPackets = 2;
  std::array<const float*, kMaxTerms> lhs_columns{};
  size_t n = 0;
  for (const SmallGradientTerm& t : terms) {
    for (Index b = 0; b < t.lhs_transposed->cols(); ++b) {
      assert(n < kMaxTerms);
      lhs_columns[n++] = t.lhs_transposed->col(b).data();
    }
  }
  const MomentumStep step{lhs_columns.data(), n, theta.rows(), momentum, decay};
  bool all_finite = true;

  Index j = begin;
  for (; j + kColumns <= begin + width; j += kColumns) {
    all_finite &= step.update_columns<kColumns, kRowPackets>(theta, delta, j, terms);
  }
  for (; j < begin + width; ++j) {
    all_finite &= step.update_columns<1, kRowPackets>(theta, delta, j, terms);
  }
  return all_finite;
}

bool small_hidden_and_momentum_columns(Matrix& theta, Matrix& delta, Index begin, Index width,
                                       float momentum, float decay,
                                       const SmallGradientTerm& positive,
                                       const Matrix& visible_transposed,
                                       const Vector& hidden_bias, float factor,
                                       float negative_scale, Matrix& hidden,
                                       const Matrix* next_visible_transposed,
                                       Matrix* next_input) {
  const Index m = visible_transposed.cols();
  const SmallGradientTerm negative{&visible_transposed, &hidden, -negative_scale};
  bool all_finite = true;
  // A few columns at a time: their weights are still in L1 for the update.
  constexpr Index kColumns = 4;
  for (Index j = begin; j < begin + width; j += kColumns) {
    const Index n = std::min(kColumns, begin + width - j);
    float* h = hidden.col(j).data();
    small_times_weights(visible_transposed, theta, j, n, 1.0f, false, h);
    for (Index c = 0; c < n; ++c) {
      for (Index b = 0; b < m; ++b) {
        float& z = h[c * m + b];
        const float x = std::clamp((z + hidden_bias[j + c]) * factor, -30.0f, 30.0f);
        z = 1.0f / (1.0f + std::exp(-x));
      }
    }
    if (!small_momentum_columns(theta, delta, j, n, momentum, decay, {positive, negative})) {
      all_finite = false;
    }
    if (next_visible_transposed != nullptr) {
      small_times_weights(*next_visible_transposed, theta, j, n, 1.0f, false,
                          next_input->col(j).data());
    }
  }
  return all_finite;
}

}  // namespace dbm
