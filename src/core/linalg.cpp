#include "dbm/core/linalg.hpp"

#include <omp.h>

#ifdef DBM_OPENBLAS
extern "C" void openblas_set_num_threads(int threads);
#endif

namespace dbm {
namespace {

// The engine's thread count; 0 until set_thread_count or thread_count first runs.
int engine_threads = 0;

void apply(int threads) {
  Eigen::setNbThreads(1);
  engine_threads = threads;
#ifdef DBM_OPENBLAS
  // OpenBLAS's OpenMP build splits a call over the calling thread's OpenMP thread
  // count unless it runs inside a parallel region, and a split product has other
  // bits than a whole one (measured: a 64-unit layer, one panel, differed between
  // --threads 1 and 2). So the calling thread's count stays 1 and every engine
  // region names its size with num_threads(thread_count()): OpenBLAS then always
  // runs single-threaded, inside or outside the panels.
  openblas_set_num_threads(1);  // (this also sets OpenMP's count)
  omp_set_num_threads(1);
#else
  omp_set_num_threads(threads);
#endif
}

}  // namespace

void set_thread_count(int threads) { apply(threads > 0 ? threads : omp_get_num_procs()); }

int thread_count() {
  // A program that never set a count gets OpenMP's (OMP_NUM_THREADS or all cores).
  if (engine_threads == 0) apply(omp_get_max_threads());
  return engine_threads;
}

}  // namespace dbm
