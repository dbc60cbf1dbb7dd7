#pragma once
// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed.
//
// Layout: big-endian 32-bit magic 0x00000803 (images, 3 dimensions) or
// 0x00000801 (labels, 1 dimension), then one big-endian 32-bit size per dimension,
// then the unsigned bytes. Compression is detected from the content (gzip magic
// 1f 8b), never from the file name. Readers check the magic, the dimensions and the
// exact body length before allocating, and every error names the file.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "dbm/core/types.hpp"

namespace dbm::data {

struct IdxImages {
  Index count = 0;
  Index rows = 0;
  Index cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major per image
};

// Reads an image file. `limit` > 0 reads only the first `limit` images (the file is
// still checked to be long enough for the count its header claims when raw).
// Throws dbm::DataError naming the file on any problem.
IdxImages read_idx_images(const std::filesystem::path& file, Index limit = 0);

// Reads a label file (magic 0x00000801). Throws dbm::DataError naming the file.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file, Index limit = 0);

}  // namespace dbm::data
