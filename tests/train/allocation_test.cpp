// No heap allocation per mini-batch: workspaces are sized once per batch shape.
//
// This test executable replaces malloc and its relatives with counting wrappers
// around glibc's own allocator, then trains the same model on N and on 3N examples
// (the same epochs, batch size and layer shapes): if any step of a mini-batch
// allocated, the longer run would allocate more. Skipped under AddressSanitizer,
// which owns malloc itself.

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <random>
#include <vector>

#include "dbm/core/linalg.hpp"
#include "dbm/core/small_batch.hpp"
#include "dbm/train/trainer.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define DBM_COUNT_ALLOCATIONS 0
#else
#define DBM_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<long> allocations{0};
}

#if DBM_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);

void* malloc(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }
int posix_memalign(void** out, size_t alignment, size_t size) {
  *out = memalign(alignment, size);
  return *out == nullptr ? 12 /* ENOMEM */ : 0;
}
}
#endif

namespace dbm::train {
namespace {

RowMajorMatrix random_images(Index n, Index pixels) {
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  RowMajorMatrix data(n, pixels);
  for (Index i = 0; i < data.size(); ++i) data.data()[i] = uniform(gen);
  return data;
}

long allocations_to_train(const TrainConfig& config, const RowMajorMatrix& data) {
  TrainingObserver quiet;
  const long before = allocations.load();
  const TrainingResult result = train_model(config, data, quiet);
  const long after = allocations.load();
  EXPECT_TRUE(result.dbm.all_finite());
  return after - before;
}

struct Case {
  int batch_size;
  std::vector<int> dimensions;
};

class NoAllocationPerBatch : public ::testing::TestWithParam<Case> {};

TEST_P(NoAllocationPerBatch, ThreeTimesTheBatchesAllocateNoMore) {
  if (!DBM_COUNT_ALLOCATIONS) GTEST_SKIP() << "AddressSanitizer replaces malloc";
  const Case& c = GetParam();
#ifndef DBM_OPENBLAS
  // Eigen's own GEMM (a -DDBM_OPENBLAS=OFF build) allocates its packing buffers on
  // every product (measured: 1,853 -> 5,177 calls here); the README says so.
  if (!is_small_batch(c.batch_size)) GTEST_SKIP() << "Eigen's GEMM allocates per product";
#endif
  set_thread_count(2);
  TrainConfig config;
  config.dimensions = c.dimensions;  // more than one product panel per layer
  config.epochs = 2;                 // CD, then PCD
  config.finetune_epochs = 1;
  config.batch_size = c.batch_size;
  config.particles = c.batch_size;
  config.k3 = 0;
  config.seed = 3;
  // Whole batches only, so that both runs see the same batch shapes.
  const Index n = 4 * c.batch_size;
  const Index pixels = c.dimensions.front();
  const RowMajorMatrix short_data = random_images(n, pixels);
  const RowMajorMatrix long_data = random_images(3 * n, pixels);
  // The first run sizes the engine's per-thread workspaces (kept for reuse).
  allocations_to_train(config, short_data);
  const long short_run = allocations_to_train(config, short_data);
  const long long_run = allocations_to_train(config, long_data);
  set_thread_count(0);
  // The long run has 8 more mini-batches per epoch: 40 more over 2 + 2 RBM epochs
  // and 1 joint epoch. One allocation per mini-batch anywhere would add at least
  // that many; set-up code may differ by a few (a log line with a longer number).
  const long extra_batches = 8 * 5;
  EXPECT_GT(short_run, 0) << "the counting malloc is not in use";
  EXPECT_LT(long_run - short_run, extra_batches)
      << "allocations grew with the number of mini-batches: " << short_run << " -> " << long_run;
}

// Batch 5: the small-batch kernels. Batch 100 at MNIST-sized layers: the GEMM path.
// (OpenBLAS's own kernel for tiny products, below about 100^3 multiply-adds, calls
// malloc on every call: toy layer sizes at batch 40 measured 20 per mini-batch.)
INSTANTIATE_TEST_SUITE_P(BatchSizes, NoAllocationPerBatch,
                         ::testing::Values(Case{5, {100, 80, 70}}, Case{100, {784, 500, 200}}));

}  // namespace
}  // namespace dbm::train
