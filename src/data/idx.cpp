#include "dbm/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>

#include "dbm/core/error.hpp"

namespace dbm::data {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kImagesMagic = 0x00000803;
constexpr std::uint32_t kLabelsMagic = 0x00000801;
// No real IDX set comes near this; a bigger header is corrupt and must not drive an allocation.
constexpr std::uint64_t kMaxBodyBytes = std::uint64_t{1} << 31;
constexpr const char* kRefetch = "delete it and re-run scripts/fetch-data";

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw DataError(file.string() + ": " + what);
}

std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// Byte stream over a raw or gzip file; read() returns fewer bytes only at the end.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::size_t read(std::uint8_t* out, std::size_t n) = 0;
  virtual bool compressed() const = 0;
};

class RawSource : public Source {
 public:
  explicit RawSource(const fs::path& file) : file_(file), in_(file, std::ios::binary) {
    if (!in_) fail(file_, "cannot open for reading; check the permissions");
  }
  std::size_t read(std::uint8_t* out, std::size_t n) override {
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    if (in_.bad()) fail(file_, "read error; check the disk and re-download the file");
    return static_cast<std::size_t>(in_.gcount());
  }
  bool compressed() const override { return false; }

 private:
  fs::path file_;
  std::ifstream in_;
};

class GzipSource : public Source {
 public:
  explicit GzipSource(const fs::path& file) : file_(file), gz_(gzopen(file.c_str(), "rb")) {
    if (gz_ == nullptr) fail(file_, "cannot open for reading; check the permissions");
    gzbuffer(gz_, 1 << 18);
  }
  ~GzipSource() override { gzclose(gz_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  std::size_t read(std::uint8_t* out, std::size_t n) override {
    std::size_t total = 0;
    while (total < n) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
      const int got = gzread(gz_, out + total, chunk);
      check_error();
      if (got <= 0) break;
      total += static_cast<std::size_t>(got);
    }
    return total;
  }
  bool compressed() const override { return true; }

 private:
  // zlib reports a truncated stream as Z_BUF_ERROR and bad data as Z_DATA_ERROR.
  void check_error() {
    int code = Z_OK;
    std::string message = gzerror(gz_, &code);
    if (code == Z_OK) return;
    // zlib prefixes the path, which our message already starts with.
    const std::string prefix = file_.string() + ": ";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    fail(file_, "corrupt or truncated gzip data (zlib: " + message + "); " + kRefetch);
  }

  fs::path file_;
  gzFile gz_;
};

// Printable ASCII/UTF-8 with no NUL: what a saved error page or text file looks like.
bool looks_like_text(const std::uint8_t* bytes, std::size_t n) {
  if (n == 0) return false;
  std::size_t printable = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = bytes[i];
    if (b == 0) return false;
    if (b >= 0x20 || b == '\t' || b == '\n' || b == '\r') ++printable;
  }
  return printable * 100 >= n * 95;
}

std::uint32_t big_endian32(const std::uint8_t* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

std::uintmax_t file_size_of(const fs::path& file) {
  std::error_code error;
  const auto status = fs::status(file, error);
  if (!fs::exists(status)) fail(file, "no such file; run scripts/fetch-data to download it");
  if (!fs::is_regular_file(status)) fail(file, "is not a regular file");
  const auto size = fs::file_size(file, error);
  if (error) fail(file, "cannot read its size (" + error.message() + ")");
  return size;
}

struct Header {
  std::vector<std::uint32_t> dims;
  std::uint64_t header_bytes = 0;
  std::uint64_t body_bytes = 0;

  // "60000 images of 28x28" or "60000 labels", for messages.
  std::string describe() const {
    if (dims.size() != 3) return std::to_string(dims[0]) + " labels";
    return std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) + "x" +
           std::to_string(dims[2]);
  }
};

// Opens `file`, detects gzip by content, validates the header and positions the
// source at the start of the body.
std::unique_ptr<Source> open_idx(const fs::path& file, std::uint32_t magic_wanted, Header& header) {
  const auto file_bytes = file_size_of(file);
  if (file_bytes == 0) {
    fail(file, std::string("is empty (0 bytes), probably a failed download; ") + kRefetch);
  }

  std::array<std::uint8_t, 2> lead{};
  {
    std::ifstream probe(file, std::ios::binary);
    probe.read(reinterpret_cast<char*>(lead.data()), 2);
  }
  std::unique_ptr<Source> source;
  if (file_bytes >= 2 && lead[0] == 0x1f && lead[1] == 0x8b) {
    source = std::make_unique<GzipSource>(file);
  } else {
    source = std::make_unique<RawSource>(file);
  }
  const char* kind = magic_wanted == kImagesMagic ? "IDX images" : "IDX labels";
  const std::string where = source->compressed() ? " after gunzip" : "";

  std::array<std::uint8_t, 256> sniff{};
  const std::size_t got = source->read(sniff.data(), 4);
  if (got < 4 || sniff[0] != 0 || sniff[1] != 0) {
    const std::size_t more = got < 4 ? 0 : source->read(sniff.data() + 4, sniff.size() - 4);
    if (looks_like_text(sniff.data(), got + more)) {
      fail(file, "looks like an HTML/text page, not " + std::string(kind) +
                     " (a failed download?); " + kRefetch);
    }
    if (got < 4) {
      fail(file, "too short for an IDX header (" + std::to_string(got) + " bytes" + where + "); " +
                     kRefetch);
    }
  }
  const std::uint32_t magic = big_endian32(sniff.data());
  if (magic != magic_wanted) {
    std::string what =
        "bad magic " + hex32(magic) + ", expected " + hex32(magic_wanted) + " (" + kind + ")";
    if (magic == kImagesMagic) what += "; this is an image file, not a label file";
    if (magic == kLabelsMagic) what += "; this is a label file, not an image file";
    if (sniff[0] == 0 && sniff[1] == 0 && sniff[2] != 0x08) {
      what += "; only unsigned-byte IDX (type 0x08) is supported";
    } else if (magic != kImagesMagic && magic != kLabelsMagic) {
      what += std::string("; not an IDX file, ") + kRefetch;
    }
    fail(file, what);
  }

  const std::size_t n_dims = magic & 0xff;
  std::vector<std::uint8_t> raw_dims(4 * n_dims);
  if (source->read(raw_dims.data(), raw_dims.size()) != raw_dims.size()) {
    fail(file, "truncated IDX header" + where + "; " + kRefetch);
  }
  header.dims.resize(n_dims);
  header.header_bytes = 4 + 4 * n_dims;
  header.body_bytes = 1;
  for (std::size_t d = 0; d < n_dims; ++d) {
    header.dims[d] = big_endian32(raw_dims.data() + 4 * d);
    if (header.dims[d] == 0) {
      fail(file, "header has size 0 in dimension " + std::to_string(d) + "; " + kRefetch);
    }
    header.body_bytes *= header.dims[d];
    if (header.body_bytes > kMaxBodyBytes) {
      std::string shape;
      for (std::size_t e = 0; e < n_dims; ++e) {
        if (e > 0) shape += 'x';
        shape += std::to_string(big_endian32(raw_dims.data() + 4 * e));
      }
      fail(file, "header declares an absurd size " + shape +
                     " (over 2 GiB); the file is corrupt; " + kRefetch);
    }
  }

  // A raw file's length is known up front, so check it exactly before allocating.
  if (!source->compressed()) {
    const std::uint64_t expected = header.header_bytes + header.body_bytes;
    if (file_bytes < expected) {
      fail(file, "truncated: its header declares " + header.describe() + " (" +
                     std::to_string(expected) + " bytes) but the file has " +
                     std::to_string(file_bytes) + " bytes; " + kRefetch);
    }
    if (file_bytes > expected) {
      fail(file, "has " + std::to_string(file_bytes - expected) + " extra bytes after the " +
                     header.describe() + " its header declares; " + kRefetch);
    }
  }
  return source;
}

// Reads `n` body bytes; a gzip stream's length is only known by decompressing it.
// Growing in chunks keeps memory tied to the data actually present.
std::vector<std::uint8_t> read_body(const fs::path& file, Source& source, std::uint64_t n,
                                    const Header& header, bool check_end) {
  std::vector<std::uint8_t> body;
  if (!source.compressed()) body.reserve(n);  // length already checked against the file size
  constexpr std::size_t kChunk = std::size_t{1} << 24;
  std::size_t have = 0;
  while (have < n) {
    const std::size_t want = std::min<std::uint64_t>(kChunk, n - have);
    body.resize(have + want);
    const std::size_t got = source.read(body.data() + have, want);
    have += got;
    if (got < want) {
      fail(file, std::string(source.compressed() ? "truncated: gzip data decompresses to"
                                                 : "truncated: has") +
                     " only " + std::to_string(have) + " of the " +
                     std::to_string(header.body_bytes) + " bytes of " + header.describe() +
                     " its header declares; " + kRefetch);
    }
  }
  if (check_end && source.compressed()) {
    std::uint64_t extra = 0;
    std::array<std::uint8_t, 1 << 16> scratch{};
    while (const std::size_t got = source.read(scratch.data(), scratch.size())) extra += got;
    if (extra > 0) {
      fail(file, "gzip data has " + std::to_string(extra) + " extra bytes after the " +
                     header.describe() + " its header declares; " + kRefetch);
    }
  }
  return body;
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& file, Index limit) {
  Header header;
  auto source = open_idx(file, kImagesMagic, header);
  IdxImages images;
  const Index declared = header.dims[0];
  images.count = limit > 0 ? std::min(limit, declared) : declared;
  images.rows = header.dims[1];
  images.cols = header.dims[2];
  const auto per_image = static_cast<std::uint64_t>(images.rows * images.cols);
  images.pixels = read_body(file, *source, per_image * static_cast<std::uint64_t>(images.count),
                            header, images.count == declared);
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file, Index limit) {
  Header header;
  auto source = open_idx(file, kLabelsMagic, header);
  const Index declared = header.dims[0];
  const Index count = limit > 0 ? std::min(limit, declared) : declared;
  return read_body(file, *source, static_cast<std::uint64_t>(count), header, count == declared);
}

}  // namespace dbm::data
