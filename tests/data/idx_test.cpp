#include "dbm/data/idx.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>

#include "dbm/core/error.hpp"
#include "support/idx_writer.hpp"
#include "support/temp_dir.hpp"

// Largest single operator-new request, to prove readers reject bad headers before
// allocating (std::vector allocates through operator new).
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

using dbm::testing::gzip_bytes;
using dbm::testing::idx_header;
using dbm::testing::idx_images_bytes;
using dbm::testing::idx_labels_bytes;
using dbm::testing::kIdxImagesMagic;
using dbm::testing::kIdxLabelsMagic;
using dbm::testing::TempDir;
using dbm::testing::test_labels;
using dbm::testing::test_pixels;
using dbm::testing::write_bytes;

constexpr std::uint32_t kCount = 5, kRows = 4, kCols = 3;

// Runs `read`, expecting a DataError whose one-line message names `file` and
// contains `needle`.
void expect_data_error(const std::function<void()>& read, const std::filesystem::path& file,
                       const std::string& needle) {
  try {
    read();
    FAIL() << "expected DataError for " << file;
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

void expect_bad_images(const std::filesystem::path& file, const std::string& needle) {
  expect_data_error([&] { read_idx_images(file); }, file, needle);
}

class IdxTest : public ::testing::Test {
 protected:
  std::string images_bytes() const {
    return idx_images_bytes(kCount, kRows, kCols, test_pixels(kCount, kRows, kCols));
  }
  TempDir dir_;
};

TEST_F(IdxTest, RawImagesRoundTripExactly) {
  write_bytes(dir_ / "images", images_bytes());
  const IdxImages images = read_idx_images(dir_ / "images");
  EXPECT_EQ(images.count, kCount);
  EXPECT_EQ(images.rows, kRows);
  EXPECT_EQ(images.cols, kCols);
  EXPECT_EQ(images.pixels, test_pixels(kCount, kRows, kCols));
}

TEST_F(IdxTest, GzipImagesRoundTripExactlyWhateverTheName) {
  // No .gz in the name: compression is detected from the content.
  write_bytes(dir_ / "images-idx3-ubyte", gzip_bytes(images_bytes()));
  const IdxImages images = read_idx_images(dir_ / "images-idx3-ubyte");
  EXPECT_EQ(images.count, kCount);
  EXPECT_EQ(images.rows, kRows);
  EXPECT_EQ(images.cols, kCols);
  EXPECT_EQ(images.pixels, test_pixels(kCount, kRows, kCols));
}

TEST_F(IdxTest, LimitReadsOnlyTheFirstImages) {
  const auto all = test_pixels(kCount, kRows, kCols);
  const std::vector<std::uint8_t> first_two(all.begin(), all.begin() + 2 * kRows * kCols);
  write_bytes(dir_ / "raw", images_bytes());
  write_bytes(dir_ / "raw.gz", gzip_bytes(images_bytes()));
  for (const char* name : {"raw", "raw.gz"}) {
    const IdxImages images = read_idx_images(dir_ / name, 2);
    EXPECT_EQ(images.count, 2) << name;
    EXPECT_EQ(images.pixels, first_two) << name;
    EXPECT_EQ(read_idx_images(dir_ / name, 100).count, kCount) << name;
  }
}

TEST_F(IdxTest, LabelsRoundTripRawAndGzip) {
  const auto labels = test_labels(12);
  write_bytes(dir_ / "labels", idx_labels_bytes(labels));
  write_bytes(dir_ / "labels.gz", gzip_bytes(idx_labels_bytes(labels)));
  EXPECT_EQ(read_idx_labels(dir_ / "labels"), labels);
  EXPECT_EQ(read_idx_labels(dir_ / "labels.gz"), labels);
  const std::vector<std::uint8_t> first_three(labels.begin(), labels.begin() + 3);
  EXPECT_EQ(read_idx_labels(dir_ / "labels", 3), first_three);
  EXPECT_EQ(read_idx_labels(dir_ / "labels.gz", 3), first_three);
}

TEST_F(IdxTest, RejectsWrongMagic) {
  write_bytes(dir_ / "labels", idx_labels_bytes(test_labels(4)));
  expect_bad_images(dir_ / "labels", "magic 0x00000801");
  write_bytes(dir_ / "images", images_bytes());
  expect_data_error([&] { read_idx_labels(dir_ / "images"); }, dir_ / "images", "magic 0x00000803");
  write_bytes(dir_ / "floats", idx_header(0x00000d03, {1, 1, 1}) + std::string(4, '\0'));
  expect_bad_images(dir_ / "floats", "unsigned-byte");
}

TEST_F(IdxTest, RejectsTruncatedBody) {
  const std::string bytes = images_bytes();
  write_bytes(dir_ / "raw", bytes.substr(0, bytes.size() - 10));
  expect_bad_images(dir_ / "raw", "truncated");
  // Even when only the first image is wanted, a raw file must match its header.
  expect_data_error([&] { read_idx_images(dir_ / "raw", 1); }, dir_ / "raw", "truncated");
  write_bytes(dir_ / "gz", gzip_bytes(bytes.substr(0, bytes.size() - 10)));
  expect_bad_images(dir_ / "gz", "truncated");
  write_bytes(dir_ / "header_only", idx_header(kIdxImagesMagic, {kCount, kRows}));
  expect_bad_images(dir_ / "header_only", "truncated IDX header");
}

TEST_F(IdxTest, RejectsExtraBytes) {
  write_bytes(dir_ / "raw", images_bytes() + "1234567");
  expect_bad_images(dir_ / "raw", "has 7 extra bytes");
  write_bytes(dir_ / "gz", gzip_bytes(images_bytes() + "1234567"));
  expect_bad_images(dir_ / "gz", "has 7 extra bytes");
  write_bytes(dir_ / "labels", idx_labels_bytes(test_labels(3)) + "x");
  expect_data_error([&] { read_idx_labels(dir_ / "labels"); }, dir_ / "labels", "1 extra bytes");
}

TEST_F(IdxTest, RejectsEmptyAndTinyFiles) {
  write_bytes(dir_ / "empty", "");
  expect_bad_images(dir_ / "empty", "is empty");
  write_bytes(dir_ / "tiny", std::string(2, '\0'));
  expect_bad_images(dir_ / "tiny", "too short");
  write_bytes(dir_ / "empty.gz", gzip_bytes(""));
  expect_bad_images(dir_ / "empty.gz", "too short");
}

TEST_F(IdxTest, RejectsMissingFile) { expect_bad_images(dir_ / "nope", "no such file"); }

TEST_F(IdxTest, RejectsHtmlPageSavedUnderTheIdxName) {
  const std::string page =
      "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
      "<body><h1>Not Found</h1></body></html>\n";
  write_bytes(dir_ / "train-images-idx3-ubyte", page);
  expect_bad_images(dir_ / "train-images-idx3-ubyte", "HTML/text page");
  expect_bad_images(dir_ / "train-images-idx3-ubyte", "fetch-data");
  write_bytes(dir_ / "train-images-idx3-ubyte.gz", gzip_bytes(page));
  expect_bad_images(dir_ / "train-images-idx3-ubyte.gz", "HTML/text page");
  write_bytes(dir_ / "short.html", "<p>\n");
  expect_bad_images(dir_ / "short.html", "HTML/text page");
}

TEST_F(IdxTest, RejectsZeroAndAbsurdDimensionsBeforeAllocating) {
  write_bytes(dir_ / "zero", idx_header(kIdxImagesMagic, {3, 0, 28}));
  expect_bad_images(dir_ / "zero", "size 0");

  // 10^9 images of 28x28: rejected on the header alone.
  write_bytes(dir_ / "absurd", idx_header(kIdxImagesMagic, {1000000000, 28, 28}) + "abc");
  write_bytes(dir_ / "absurd.gz", gzip_bytes(idx_header(kIdxImagesMagic, {1000000000, 28, 28})));
  // Just under the cap (2 * 10^9 bytes) but the files hold almost nothing.
  write_bytes(dir_ / "big", idx_header(kIdxImagesMagic, {2000000, 1000, 1}) + "abc");
  write_bytes(dir_ / "big.gz", gzip_bytes(idx_header(kIdxImagesMagic, {2000000, 1000, 1}) + "abc"));
  g_largest_request = 0;
  expect_bad_images(dir_ / "absurd", "absurd size 1000000000x28x28");
  expect_bad_images(dir_ / "absurd.gz", "absurd size");
  expect_bad_images(dir_ / "big", "truncated");
  expect_bad_images(dir_ / "big.gz", "truncated");
  write_bytes(dir_ / "labels.gz", gzip_bytes(idx_header(kIdxLabelsMagic, {2000000000}) + "abc"));
  expect_data_error([&] { read_idx_labels(dir_ / "labels.gz"); }, dir_ / "labels.gz", "truncated");
  EXPECT_LT(g_largest_request.load(), std::size_t{64} << 20)
      << "a reader allocated for the header's claim before checking the file";
}

TEST_F(IdxTest, RejectsCorruptGzip) {
  std::string gz = gzip_bytes(images_bytes());
  std::string flipped = gz;
  for (std::size_t i = 12; i < flipped.size() - 8; ++i) flipped[i] = static_cast<char>(~flipped[i]);
  write_bytes(dir_ / "flipped.gz", flipped);
  expect_bad_images(dir_ / "flipped.gz", "gzip");
  write_bytes(dir_ / "cut.gz", gz.substr(0, gz.size() / 2));
  expect_bad_images(dir_ / "cut.gz", "gzip");
  write_bytes(dir_ / "garbage.gz", std::string("\x1f\x8b", 2) + "this is not deflate data at all");
  expect_bad_images(dir_ / "garbage.gz", "gzip");
}

}  // namespace
}  // namespace dbm::data
