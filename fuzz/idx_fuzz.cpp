// libFuzzer target: every input goes through dbm::fuzz::run_idx (entry_points.hpp).
// Built only with -DDBM_FUZZ=ON (clang); run with scripts/fuzz.

#include <cstddef>
#include <cstdint>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dbm::fuzz::run_idx(data, size);
  return 0;
}
