#pragma once
// Writers for small IDX fixtures (the MNIST file format, SPEC §3), well-formed or
// deliberately broken, raw or gzip-compressed. Used by the data unit tests and the
// end-to-end CLI tests.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dbm::testing {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;

// Big-endian header: `magic`, then one 32-bit size per entry of `dims`. No check that
// the dims match the magic, so tests can build absurd or inconsistent headers.
std::string idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& dims);

// A complete image file: header (count, rows, cols) + `pixels`, which must hold
// count * rows * cols bytes, image after image, row-major.
std::string idx_images_bytes(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                             const std::vector<std::uint8_t>& pixels);

// A complete label file: header (labels.size()) + one byte per label.
std::string idx_labels_bytes(const std::vector<std::uint8_t>& labels);

// `bytes` as a gzip stream (one member, as gzip(1) writes it).
std::string gzip_bytes(const std::string& bytes);

// Deterministic pixels, count * rows * cols bytes covering the whole 0..255 range,
// so a round trip can be compared exactly.
std::vector<std::uint8_t> test_pixels(std::uint32_t count, std::uint32_t rows, std::uint32_t cols);

// Deterministic labels 0..9.
std::vector<std::uint8_t> test_labels(std::uint32_t count);

// Writes an MNIST-shaped set (28x28, test_pixels / test_labels) into `folder` under
// the standard names train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each with ".gz" when `gzip`).
// Point DataOptions::data_dir (or --data-dir) at folder's parent with the folder
// named mnist/ or fashion_mnist/.
void write_fake_mnist(const std::filesystem::path& folder, std::uint32_t n_train,
                      std::uint32_t n_test, bool gzip = false);

}  // namespace dbm::testing
