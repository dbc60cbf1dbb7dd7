#include "dbm/core/linalg.hpp"

#include <omp.h>

namespace dbm {

void set_thread_count(int threads) {
  Eigen::setNbThreads(1);
  omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

int thread_count() { return omp_get_max_threads(); }

}  // namespace dbm
