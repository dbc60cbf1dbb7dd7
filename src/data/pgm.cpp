#include "dbm/data/pgm.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "dbm/core/error.hpp"

namespace dbm::data {
namespace {

constexpr std::int64_t kNumberCap = std::int64_t{1} << 50;  // saturates absurd header numbers

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw DataError(name + ": " + what);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Up to `limit` bytes, quoted, with non-printable bytes as \xHH, so messages stay one line.
std::string quoted(std::string_view bytes, std::size_t limit = 12) {
  std::string out = "'";
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  if (bytes.size() > limit) out += "...";
  return out + "'";
}

std::string plural(std::int64_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// Throws unless `bytes` starts with P5 or P2 followed by whitespace or a comment;
// names the format when it recognises another one. Returns '5' or '2'.
char check_magic(std::string_view bytes, const std::string& name) {
  if (bytes.empty()) fail(name, "is empty (0 bytes), not a PGM image; re-download or re-export it");
  const auto starts = [&](std::string_view prefix) {
    return bytes.substr(0, prefix.size()) == prefix;
  };
  const auto convert = [](const char* format, const char* tool) {
    return std::string("is a ") + format + " image, not a PGM; convert it to PGM (P5), e.g. with " +
           tool + " | ppmtopgm";
  };
  if (starts("\x89PNG")) fail(name, convert("PNG", "pngtopnm"));
  if (starts("\xFF\xD8\xFF")) fail(name, convert("JPEG", "jpegtopnm"));
  if (starts("GIF8")) fail(name, convert("GIF", "giftopnm"));
  if (bytes.size() >= 2 && bytes[0] == 'P') {
    const char kind = bytes[1];
    const bool delimited = bytes.size() == 2 || is_space(bytes[2]) || bytes[2] == '#';
    if (delimited && (kind == '5' || kind == '2')) return kind;
    if (delimited && (kind == '6' || kind == '3')) {
      fail(name, std::string("is a PPM colour image (P") + kind +
                     "), not a greyscale PGM (P5 or P2); convert it with ppmtopgm");
    }
    if (delimited && (kind == '4' || kind == '1')) {
      fail(name, std::string("is a PBM bitmap (P") + kind +
                     "), not a greyscale PGM (P5 or P2); convert it with pbmtopgm");
    }
    if (delimited && kind == '7') {
      fail(name, "is a PAM image (P7), not a PGM (P5 or P2); convert it with pamtopnm");
    }
  }
  fail(name, "does not start with the PGM magic P5 or P2 (starts with " + quoted(bytes, 8) +
                 "); it is not a PGM image");
}

struct HeaderField {
  std::int64_t value;
  std::string text;
};

class Parser {
 public:
  Parser(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  std::size_t pos() const { return pos_; }
  void set_pos(std::size_t pos) { pos_ = pos; }
  bool at_end() const { return pos_ >= bytes_.size(); }
  char peek() const { return bytes_[pos_]; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  // A comment runs from '#' up to (not including) the next CR or LF.
  void skip_comment() {
    while (!at_end() && peek() != '\n' && peek() != '\r') ++pos_;
  }

  void skip_space_and_comments() {
    while (!at_end()) {
      if (is_space(peek())) {
        ++pos_;
      } else if (peek() == '#') {
        skip_comment();
      } else {
        break;
      }
    }
  }

  // The whitespace-delimited token at pos(), for error messages.
  std::string token() const {
    std::size_t end = pos_;
    while (end < bytes_.size() && !is_space(bytes_[end]) && end - pos_ <= 16) ++end;
    return quoted(bytes_.substr(pos_, end - pos_), 16);
  }

  // Reads an unsigned decimal header field; stops right after its last digit.
  // Absurd values saturate at kNumberCap; `text` keeps the digits for messages.
  HeaderField header_number(const char* field) {
    skip_space_and_comments();
    if (at_end()) {
      fail(name_, std::string("header ends before the ") + field + "; the file is truncated");
    }
    if (peek() == '-') {
      fail(name_, std::string(field) + " is negative (" + token() +
                      "); it must be a positive whole number");
    }
    if (!is_digit(peek())) {
      fail(name_, std::string("expected the ") + field + " (a whole number) in the header, found " +
                      token());
    }
    const std::size_t start = pos_;
    std::int64_t value = 0;
    while (!at_end() && is_digit(peek())) {
      value = std::min(kNumberCap, value * 10 + (peek() - '0'));
      ++pos_;
    }
    if (!at_end() && !is_space(peek()) && peek() != '#') {
      set_pos(start);
      fail(name_, std::string(field) + " " + token() + " is not a whole number");
    }
    return {value, std::string(bytes_.substr(start, std::min<std::size_t>(pos_ - start, 24)))};
  }

 private:
  std::string_view bytes_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

std::string shape(std::int64_t width, std::int64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

void decode_binary(Parser& in, std::string_view bytes, const std::string& name, int maxval,
                   GreyImage& image) {
  const auto n_pixels = static_cast<std::int64_t>(image.width) * image.height;
  const int bytes_per_sample = maxval > 255 ? 2 : 1;
  const std::int64_t expected = n_pixels * bytes_per_sample;
  const std::string layout =
      shape(image.width, image.height) + " at " + plural(bytes_per_sample, "byte") + " per sample";

  // The single delimiter after maxval; a comment there ends at its line end.
  if (!in.at_end() && in.peek() == '#') in.skip_comment();
  if (in.at_end()) {
    fail(name, "has no raster after the header (" + layout + " needs " + plural(expected, "byte") +
                   "); the file is truncated");
  }
  const char delimiter = in.peek();
  in.set_pos(in.pos() + 1);

  // CR LF after maxval (Windows): the file size tells whether the LF is the line end
  // or the first pixel (see pgm.hpp); never decode an image shifted by one byte.
  bool crlf = false;
  auto available = static_cast<std::int64_t>(in.remaining());
  if (delimiter == '\r' && available > 0 && in.peek() == '\n' && available != expected) {
    crlf = true;
    in.set_pos(in.pos() + 1);
    --available;
  }
  if (available < expected) {
    fail(name, "raster is truncated: " + layout + " needs " + plural(expected, "byte") +
                   " after the header, found " + std::to_string(available) +
                   "; the file is incomplete, re-download or re-export it");
  }

  image.pixels.resize(static_cast<std::size_t>(n_pixels));
  const auto* raster = reinterpret_cast<const unsigned char*>(bytes.data() + in.pos());
  const double scale = maxval;
  if (bytes_per_sample == 1) {
    for (std::int64_t i = 0; i < n_pixels; ++i) {
      const int value = raster[i];
      if (value > maxval) {
        fail(name, "sample " + std::to_string(i + 1) + " is " + std::to_string(value) +
                       ", above maxval " + std::to_string(maxval) + "; the file is corrupt");
      }
      image.pixels[i] = static_cast<float>(value / scale);
    }
  } else {
    for (std::int64_t i = 0; i < n_pixels; ++i) {
      const int value = (raster[2 * i] << 8) | raster[2 * i + 1];
      if (value > maxval) {
        fail(name, "sample " + std::to_string(i + 1) + " is " + std::to_string(value) +
                       ", above maxval " + std::to_string(maxval) + "; the file is corrupt");
      }
      image.pixels[i] = static_cast<float>(value / scale);
    }
  }
  if (available > expected) {
    image.warnings.push_back(name + ": ignored " + plural(available - expected, "byte") +
                             " after the raster (" + layout + ")" +
                             (crlf ? "; the header line ended with CR LF" : ""));
  }
}

void decode_plain(Parser& in, std::string_view bytes, const std::string& name, int maxval,
                  GreyImage& image) {
  const auto n_pixels = static_cast<std::int64_t>(image.width) * image.height;
  // Each sample takes at least two bytes (a separator and a digit), so reserving
  // when the body could hold them keeps allocation proportional to the file.
  if (static_cast<std::int64_t>(in.remaining()) >= 2 * n_pixels) {
    image.pixels.reserve(static_cast<std::size_t>(n_pixels));
  }
  const double scale = maxval;
  for (std::int64_t i = 0; i < n_pixels; ++i) {
    in.skip_space_and_comments();
    const auto where = [&] {
      return "sample " + std::to_string(i + 1) + " (row " + std::to_string(i / image.width + 1) +
             ", column " + std::to_string(i % image.width + 1) + ")";
    };
    if (in.at_end()) {
      fail(name, "has only " + std::to_string(i) + " of the " + std::to_string(n_pixels) +
                     " samples a " + shape(image.width, image.height) +
                     " image needs; the file is truncated");
    }
    const std::size_t start = in.pos();
    std::int64_t value = 0;
    while (!in.at_end() && is_digit(in.peek())) {
      value = std::min(kNumberCap, value * 10 + (in.peek() - '0'));
      in.set_pos(in.pos() + 1);
    }
    if (in.pos() == start || (!in.at_end() && !is_space(in.peek()) && in.peek() != '#')) {
      in.set_pos(start);
      fail(name, where() + " is " + in.token() + ", not a whole number; the file is corrupt");
    }
    if (value > maxval) {
      const auto digits = std::min<std::size_t>(in.pos() - start, 24);
      fail(name, where() + " is " + std::string(bytes.substr(start, digits)) + ", above maxval " +
                     std::to_string(maxval) + "; the file is corrupt");
    }
    image.pixels.push_back(static_cast<float>(value / scale));
  }
  in.skip_space_and_comments();
  if (!in.at_end()) {
    image.warnings.push_back(name + ": ignored " + plural(in.remaining(), "byte") +
                             " after the last of the " + std::to_string(n_pixels) + " samples");
  }
}

}  // namespace

GreyImage parse_pgm(std::string_view bytes, const std::string& name) {
  const char kind = check_magic(bytes, name);
  Parser in(bytes, name);
  in.set_pos(2);

  const HeaderField width = in.header_number("width");
  if (width.value == 0) fail(name, "width is 0; a PGM image needs at least one column");
  const HeaderField height = in.header_number("height");
  if (height.value == 0) fail(name, "height is 0; a PGM image needs at least one row");
  if (width.value > kMaxPgmPixels || height.value > kMaxPgmPixels ||
      width.value * height.value > kMaxPgmPixels) {
    fail(name, "header claims " + width.text + "x" + height.text + " pixels, more than the " +
                   std::to_string(kMaxPgmPixels) + "-pixel limit; the header is corrupt");
  }
  const HeaderField maxval_field = in.header_number("maxval");
  const std::int64_t maxval = maxval_field.value;
  if (maxval < 1 || maxval > 65535) {
    fail(name, "maxval is " + maxval_field.text + "; it must be between 1 and 65535");
  }

  GreyImage image;
  image.width = static_cast<int>(width.value);
  image.height = static_cast<int>(height.value);
  if (kind == '5') {
    decode_binary(in, bytes, name, static_cast<int>(maxval), image);
  } else {
    decode_plain(in, bytes, name, static_cast<int>(maxval), image);
  }
  return image;
}

GreyImage read_pgm(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) fail(name, "is a folder, not a PGM file");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fail(name, std::filesystem::exists(file, error)
                   ? "cannot be opened for reading; check its permissions"
                   : "not found; check the path");
  }
  const auto size = std::filesystem::file_size(file, error);
  if (error) fail(name, "cannot read its size (" + error.message() + ")");

  // Refuse a non-PGM before loading it whole: a large PNG or archive fails fast.
  std::string head(static_cast<std::size_t>(std::min<std::uintmax_t>(size, 16)), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.gcount() != static_cast<std::streamsize>(head.size())) {
    fail(name, "read failed after " + std::to_string(in.gcount()) + " bytes");
  }
  check_magic(head, name);
  if (size > static_cast<std::uintmax_t>(kMaxPgmFileBytes)) {
    fail(name, "is " + std::to_string(size) + " bytes, more than the " +
                   std::to_string(kMaxPgmFileBytes) + "-byte limit for one PGM image");
  }

  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size())) {
    fail(name, "short read: got " + std::to_string(in.gcount()) + " of " + std::to_string(size) +
                   " bytes; was the file changed while reading?");
  }
  return parse_pgm(bytes, name);
}

}  // namespace dbm::data
