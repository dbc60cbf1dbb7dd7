#include "dbm/io/npy.hpp"

#include <zip.h>

#include <bit>
#include <charconv>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

#include "dbm/core/error.hpp"

namespace dbm::io {
namespace {

constexpr std::size_t kNpyAlignment = 64;
constexpr std::size_t kNpyPreambleBytes = 10;  // magic, version, HEADER_LEN
// 2000-01-01 00:00 UTC: a fixed entry timestamp keeps archives reproducible.
constexpr std::time_t kEntryTime = 946684800;

template <class Unsigned>
void append_little_endian(std::string& out, Unsigned value) {
  for (std::size_t byte = 0; byte < sizeof(Unsigned); ++byte) {
    out.push_back(static_cast<char>((value >> (8 * byte)) & 0xFF));
  }
}

void append_float(std::string& out, float value) {
  append_little_endian(out, std::bit_cast<std::uint32_t>(value));
}

// Bytes per element of a dtype string like "<f4", "<i8", "|u1" or "<U42".
std::size_t element_bytes(const std::string& descr) {
  std::size_t count = 0;
  const char* first = descr.data() + 2;
  const char* last = descr.data() + descr.size();
  if (descr.size() < 3 || std::from_chars(first, last, count).ptr != last || count == 0) {
    throw Error("npy: unsupported dtype '" + descr + "'");
  }
  return descr[1] == 'U' ? 4 * count : count;
}

// Decodes UTF-8 to code points; malformed or overlong sequences and surrogates
// become U+FFFD, one per bad byte.
std::vector<std::uint32_t> utf8_code_points(std::string_view text) {
  std::vector<std::uint32_t> points;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    std::uint32_t point = length == 1   ? lead
                          : length == 2 ? lead & 0x1F
                          : length == 3 ? lead & 0x0F
                                        : lead & 0x07;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      point = (point << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && point >= kSmallest[length] && point <= 0x10FFFF &&
            !(point >= 0xD800 && point <= 0xDFFF);
    points.push_back(valid ? point : 0xFFFD);
    i += valid ? length : 1;
  }
  return points;
}

std::string zip_reason(zip_error_t* error) { return zip_error_strerror(error); }

struct ZipSourceFree {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};
struct ZipDiscard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};

}  // namespace

NpyArray npy_float32(std::string name, const Matrix& matrix) {
  NpyArray array{std::move(name), "<f4", {matrix.rows(), matrix.cols()}, {}};
  array.data.reserve(static_cast<std::size_t>(matrix.size()) * 4);
  for (Index i = 0; i < matrix.rows(); ++i) {
    for (Index j = 0; j < matrix.cols(); ++j) append_float(array.data, matrix(i, j));
  }
  return array;
}

NpyArray npy_float32(std::string name, const Vector& vector) {
  NpyArray array{std::move(name), "<f4", {vector.size()}, {}};
  array.data.reserve(static_cast<std::size_t>(vector.size()) * 4);
  for (Index i = 0; i < vector.size(); ++i) append_float(array.data, vector(i));
  return array;
}

NpyArray npy_int64(std::string name, const std::vector<std::int64_t>& values) {
  NpyArray array{std::move(name), "<i8", {static_cast<std::int64_t>(values.size())}, {}};
  for (std::int64_t value : values) {
    append_little_endian(array.data, static_cast<std::uint64_t>(value));
  }
  return array;
}

NpyArray npy_unicode_scalar(std::string name, std::string_view utf8) {
  auto points = utf8_code_points(utf8);
  if (points.empty()) points.push_back(0);  // '<U0' is not a usable dtype
  NpyArray array{std::move(name), "<U" + std::to_string(points.size()), {}, {}};
  for (std::uint32_t point : points) append_little_endian(array.data, point);
  return array;
}

std::string npy_header(const std::string& descr, const std::vector<std::int64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) throw Error("npy: negative extent " + std::to_string(shape[d]));
    if (d > 0) dict += ", ";
    dict += std::to_string(shape[d]);
  }
  dict += shape.size() == 1 ? ",), }" : "), }";
  const std::size_t unpadded = kNpyPreambleBytes + dict.size() + 1;  // + '\n'
  dict.append((kNpyAlignment - unpadded % kNpyAlignment) % kNpyAlignment, ' ');
  dict += '\n';
  if (dict.size() > 0xFFFF)
    throw Error("npy: header of " + std::to_string(dict.size()) +
                " bytes is too long for format version 1.0");

  std::string header("\x93NUMPY\x01\x00", 8);
  append_little_endian(header, static_cast<std::uint16_t>(dict.size()));
  return header + dict;
}

std::string npy_file(const NpyArray& array) {
  std::uint64_t n_elements = 1;
  for (std::int64_t extent : array.shape) n_elements *= static_cast<std::uint64_t>(extent);
  if (array.data.size() != n_elements * element_bytes(array.descr)) {
    throw Error("npy: array '" + array.name + "' has " + std::to_string(array.data.size()) +
                " bytes of data, which does not fit its dtype and shape");
  }
  return npy_header(array.descr, array.shape) + array.data;
}

std::string npz_archive(const std::vector<NpyArray>& arrays) {
  // The entries must outlive zip_close(), which is when libzip reads them.
  std::vector<std::string> entries;
  std::set<std::string> names;
  for (const auto& array : arrays) {
    if (array.name.empty() || !names.insert(array.name).second) {
      throw Error("npz: array name '" + array.name + "' is empty or used twice");
    }
    entries.push_back(npy_file(array));
  }

  // Build the archive in a growable memory buffer that survives zip_close()
  // (zip_source_keep), then copy it out.
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, ZipSourceFree> buffer(
      zip_source_buffer_create(nullptr, 0, 0, &error));
  const auto fail = [&](const std::string& reason) -> void {
    zip_error_fini(&error);
    throw OutputError("cannot build the .npz archive: " + reason);
  };
  if (!buffer) fail(zip_reason(&error));
  std::unique_ptr<zip_t, ZipDiscard> archive(
      zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error));
  if (!archive) fail(zip_reason(&error));
  zip_source_keep(buffer.get());

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string entry_name = arrays[i].name + ".npy";
    zip_source_t* source =
        zip_source_buffer(archive.get(), entries[i].data(), entries[i].size(), 0);
    const zip_int64_t index =
        source ? zip_file_add(archive.get(), entry_name.c_str(), source, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      fail(entry_name + ": " + zip_strerror(archive.get()));
    }
    const auto entry = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(archive.get(), entry, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_mtime(archive.get(), entry, kEntryTime, 0) != 0) {
      fail(entry_name + ": " + zip_strerror(archive.get()));
    }
  }
  if (zip_close(archive.get()) != 0) fail(zip_strerror(archive.get()));
  archive.release();  // zip_close freed it

  if (zip_source_open(buffer.get()) != 0) fail(zip_reason(zip_source_error(buffer.get())));
  std::string bytes;
  char chunk[1 << 16];
  zip_int64_t n = 0;
  while ((n = zip_source_read(buffer.get(), chunk, sizeof chunk)) > 0) {
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  zip_source_close(buffer.get());
  if (n < 0) fail(zip_reason(zip_source_error(buffer.get())));
  return bytes;
}

}  // namespace dbm::io
