// Inputs that would need absurd memory are rejected from their headers, before any
// allocation, with a one-line error naming the file (issue 7, "Limits"): an IDX header
// claiming 10^9 images or labels, raw and gzip, and a PGM of 10^6 x 10^6, binary and
// plain. The same bytes live in fuzz/regressions/ and are replayed there as well.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>

#include "dbm/core/error.hpp"
#include "dbm/data/idx.hpp"
#include "dbm/data/pgm.hpp"
#include "support/idx_writer.hpp"
#include "support/temp_dir.hpp"

// Largest single operator-new request since the last reset: std::vector and
// std::string allocate through it, so a reader that sized a buffer from the header
// shows up here.
namespace {
std::atomic<std::size_t> g_largest_request{0};
}  // namespace

// noinline: GCC 12 otherwise flags the malloc/free pair inlined into std::vector.
__attribute__((noinline)) void* operator new(std::size_t size) {
  std::size_t seen = g_largest_request.load(std::memory_order_relaxed);
  while (size > seen && !g_largest_request.compare_exchange_weak(seen, size)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace dbm::data {
namespace {

namespace fs = std::filesystem;
using dbm::testing::gzip_bytes;
using dbm::testing::idx_header;
using dbm::testing::kIdxImagesMagic;
using dbm::testing::kIdxLabelsMagic;
using dbm::testing::TempDir;
using dbm::testing::write_bytes;

// No test input here is bigger than a few bytes; a reader that trusts the header
// would ask for gigabytes.
constexpr std::size_t kMaxAllocationBytes = std::size_t{64} << 20;

// Runs `read`, expecting a DataError whose message is one line, starts with `name`
// and contains `needle`; and no allocation above kMaxAllocationBytes on the way.
void expect_rejected(const std::function<void()>& read, const std::string& name,
                     const std::string& needle) {
  g_largest_request = 0;
  try {
    read();
    ADD_FAILURE() << name << ": read without error";
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(name, 0), 0u) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_LT(g_largest_request.load(), kMaxAllocationBytes)
      << name << ": allocated for the header's claim before rejecting it";
}

const std::uint32_t kBillion = 1000000000;

TEST(Limits, IdxHeaderClaimingABillionImages) {
  TempDir dir;
  const std::string header = idx_header(kIdxImagesMagic, {kBillion, 28, 28});
  write_bytes(dir / "raw", header + "abc");
  write_bytes(dir / "raw.gz", gzip_bytes(header + "abc"));
  for (const char* name : {"raw", "raw.gz"}) {
    const fs::path file = dir / name;
    expect_rejected([&] { read_idx_images(file); }, file.string(),
                    "header declares an absurd size 1000000000x28x28 (over 2 GiB); the file is "
                    "corrupt");
    // A limit does not lift the check: the header itself is corrupt.
    expect_rejected([&] { read_idx_images(file, 10); }, file.string(), "absurd size");
  }
}

TEST(Limits, IdxHeaderClaimingABillionLabels) {
  // 10^9 one-byte labels (1 GB) stay under the 2 GiB cap, so the body length decides:
  // the raw file's size before reading, the gzip stream as it decompresses.
  TempDir dir;
  const std::string header = idx_header(kIdxLabelsMagic, {kBillion});
  write_bytes(dir / "raw", header + "abc");
  write_bytes(dir / "raw.gz", gzip_bytes(header + "abc"));
  expect_rejected([&] { read_idx_labels(dir / "raw"); }, (dir / "raw").string(),
                  "truncated: its header declares 1000000000 labels (1000000008 bytes) but the "
                  "file has 11 bytes");
  expect_rejected([&] { read_idx_labels(dir / "raw.gz"); }, (dir / "raw.gz").string(),
                  "truncated: gzip data decompresses to only 3 of the 1000000000 bytes");
}

TEST(Limits, PgmOfAMillionByAMillionPixels) {
  TempDir dir;
  const std::string binary = "P5\n1000000 1000000\n255\n" + std::string(6, '\x7f');
  const std::string plain = "P2\n1000000 1000000\n255\n0 51 102\n";
  const std::string needle =
      "header claims 1000000x1000000 pixels, more than the 268435456-pixel limit";
  write_bytes(dir / "binary.pgm", binary);
  write_bytes(dir / "plain.pgm", plain);
  expect_rejected([&] { parse_pgm(binary, "binary.pgm"); }, "binary.pgm", needle);
  expect_rejected([&] { parse_pgm(plain, "plain.pgm"); }, "plain.pgm", needle);
  expect_rejected([&] { read_pgm(dir / "binary.pgm"); }, (dir / "binary.pgm").string(), needle);
  expect_rejected([&] { read_pgm(dir / "plain.pgm"); }, (dir / "plain.pgm").string(), needle);
}

}  // namespace
}  // namespace dbm::data
