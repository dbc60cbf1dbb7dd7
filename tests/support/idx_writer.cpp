#include "support/idx_writer.hpp"

#include <zlib.h>

#include <stdexcept>

#include "support/temp_dir.hpp"

namespace dbm::testing {

namespace {

void append_big_endian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

std::string idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& dims) {
  std::string out;
  append_big_endian(out, magic);
  for (const auto d : dims) append_big_endian(out, d);
  return out;
}

std::string idx_images_bytes(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                             const std::vector<std::uint8_t>& pixels) {
  if (pixels.size() != std::size_t{count} * rows * cols) {
    throw std::invalid_argument("idx_images_bytes: pixel count does not match count*rows*cols");
  }
  return idx_header(kIdxImagesMagic, {count, rows, cols}) +
         std::string(pixels.begin(), pixels.end());
}

std::string idx_labels_bytes(const std::vector<std::uint8_t>& labels) {
  return idx_header(kIdxLabelsMagic, {static_cast<std::uint32_t>(labels.size())}) +
         std::string(labels.begin(), labels.end());
}

std::string gzip_bytes(const std::string& bytes) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("gzip_bytes: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("gzip_bytes: deflate failed");
  return out;
}

std::vector<std::uint8_t> test_pixels(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  std::vector<std::uint8_t> pixels(std::size_t{count} * rows * cols);
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<std::uint8_t>((i * 37 + i / 256) & 0xff);
  }
  return pixels;
}

std::vector<std::uint8_t> test_labels(std::uint32_t count) {
  std::vector<std::uint8_t> labels(count);
  for (std::uint32_t i = 0; i < count; ++i) labels[i] = static_cast<std::uint8_t>((i * 7) % 10);
  return labels;
}

void write_fake_mnist(const std::filesystem::path& folder, std::uint32_t n_train,
                      std::uint32_t n_test, bool gzip) {
  const std::string suffix = gzip ? ".gz" : "";
  const auto put = [&](const std::string& name, const std::string& bytes) {
    write_bytes(folder / (name + suffix), gzip ? gzip_bytes(bytes) : bytes);
  };
  put("train-images-idx3-ubyte", idx_images_bytes(n_train, 28, 28, test_pixels(n_train, 28, 28)));
  put("train-labels-idx1-ubyte", idx_labels_bytes(test_labels(n_train)));
  put("t10k-images-idx3-ubyte", idx_images_bytes(n_test, 28, 28, test_pixels(n_test, 28, 28)));
  put("t10k-labels-idx1-ubyte", idx_labels_bytes(test_labels(n_test)));
}

}  // namespace dbm::testing
