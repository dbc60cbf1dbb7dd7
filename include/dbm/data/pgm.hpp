#pragma once
// PGM (portable grey map) images, the format of the faces data set (SPEC §3).
//
// Accepted forms (Netpbm PGM):
//   P5 (binary) and P2 (plain ASCII);
//   maxval 1..65535; when maxval > 255 a P5 sample is two bytes, big-endian;
//   `#` comments anywhere in the header: right after the magic, between width and
//   height, after maxval (the comment's line end is then the raster delimiter);
//   any run of whitespace (space, TAB, CR, LF, VT, FF) between header fields.
//
// Raster start in P5. The raster begins after the single whitespace byte that
// follows maxval. Files written on Windows end that line with CR LF; reading the
// LF as the first pixel would shift the whole image by one. The file size decides:
// if the delimiter is CR, the next byte is LF, and the bytes after the CR are
// exactly one more than the raster needs, the LF is part of the line end and is
// skipped. If the bytes after the CR exactly fit the raster, the LF is the first
// pixel (value 10). If there are more bytes than either, a CR LF line end is
// assumed and the surplus is reported as trailing bytes.
//
// Trailing data. Bytes after the raster (P5), or anything but whitespace after the
// last sample (P2), are ignored and reported in GreyImage::warnings; the reader
// never prints.
//
// Errors. Every problem throws dbm::DataError whose one-line message starts with
// the file name: not a PGM (a PPM `P6`, a PBM, a PNG, a text file, an empty file),
// a zero or negative width/height, maxval 0 or above 65535, a body shorter than
// width*height samples, a sample above maxval (P5 or P2), a P2 sample that is not a
// whole number, and sizes beyond kMaxPgmPixels. The size checks (against kMaxPgmPixels, and for P5 against
// the bytes actually present) run before the pixel buffer is allocated, so a
// corrupt header can never trigger a huge allocation.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dbm::data {

// Largest image accepted: 2^28 pixels (16384 x 16384), 1 GiB as float32.
inline constexpr std::int64_t kMaxPgmPixels = std::int64_t{1} << 28;

// Largest file read_pgm() loads into memory (2 GiB): enough for a P2 file of
// kMaxPgmPixels 16-bit samples with single-space separators.
inline constexpr std::int64_t kMaxPgmFileBytes = std::int64_t{1} << 31;

// A greyscale image with samples scaled to [0, 1].
struct GreyImage {
  int width = 0;
  int height = 0;
  // width * height samples, row-major (pixels[y * width + x]), each sample / maxval.
  std::vector<float> pixels;
  // Non-fatal findings (e.g. extra bytes after the raster), one line each, naming
  // the file. The caller decides whether and how to log them.
  std::vector<std::string> warnings;

  float at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

// Reads a P5 or P2 PGM file. Checks the magic before reading the whole file and
// refuses files larger than kMaxPgmFileBytes. Throws dbm::DataError naming `file`.
GreyImage read_pgm(const std::filesystem::path& file);

// Decodes PGM bytes already in memory (the whole file). `name_for_errors` starts
// every error and warning message (normally the file path). Throws dbm::DataError.
// Never allocates more than a small multiple of bytes.size().
GreyImage parse_pgm(std::string_view bytes, const std::string& name_for_errors);

}  // namespace dbm::data
