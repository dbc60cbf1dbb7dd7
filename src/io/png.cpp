#include "dbm/io/png.hpp"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "dbm/core/error.hpp"
#include "dbm/io/model_file.hpp"

namespace dbm::io {
namespace {

namespace fs = std::filesystem;

constexpr long long kMaxSide = 65535;
constexpr long long kMaxPixels = 1LL << 28;

std::string quote(const fs::path& path) {
  // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "'" + s + "'".
  std::string text(1, '\'');
  text += path.string();
  text += '\'';
  return text;
}

std::uint8_t to_grey(float value) {
  if (!(value > 0.0f)) return 0;  // also NaN
  if (value >= 1.0f) return 255;
  return static_cast<std::uint8_t>(std::lround(value * 255.0f));
}

// libpng reports errors by calling an error function that must not return. Ours
// keeps the message and long-jumps back to encode_rows(), whose frame (like the
// frames libpng unwinds through) holds no object with a destructor.
struct PngState {
  std::string* out = nullptr;
  char message[256] = {};
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message ? message : "unknown");
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void on_png_write(png_structp png, png_bytep data, size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    state->out->append(reinterpret_cast<const char*>(data), length);
  } catch (...) {
    failed = true;  // the exception is gone before png_error long-jumps
  }
  if (failed) png_error(png, "out of memory");
}

void on_png_flush(png_structp) {}

bool encode_rows(png_structp png, png_infop info, PngState* state, const GreyImage& image,
                 png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, state, on_png_write, on_png_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

GreyImage::GreyImage(int width_, int height_, std::uint8_t fill)
    : width(width_),
      height(height_),
      pixels(static_cast<size_t>(width_) * static_cast<size_t>(height_), fill) {}

GreyImage tile_grid(const Eigen::Ref<const RowMajorMatrix>& tiles, TileShape shape,
                    const GridOptions& options) {
  const Index n = tiles.rows();
  if (n < 1) throw UsageError("an image grid needs at least one tile");
  if (shape.width < 1 || shape.height < 1 || tiles.cols() != shape.n_pixels()) {
    throw UsageError("tiles of " + std::to_string(tiles.cols()) + " pixels cannot be shown as " +
                     std::to_string(shape.width) + "x" + std::to_string(shape.height) + " images");
  }
  if (options.columns < 1) {
    throw UsageError("--columns must be at least 1, got " + std::to_string(options.columns));
  }
  const long long columns = std::min<long long>(options.columns, n);
  const long long rows = (n + columns - 1) / columns;
  const long long width = columns * shape.width + (columns - 1);
  const long long height = rows * shape.height + (rows - 1);
  if (width > kMaxSide || height > kMaxSide || width * height > kMaxPixels) {
    throw UsageError("a grid of " + std::to_string(n) + " tiles in " + std::to_string(columns) +
                     " columns would be " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels; use a smaller --count or another --columns");
  }

  GreyImage image(static_cast<int>(width), static_cast<int>(height), options.separator);
  for (Index k = 0; k < n; ++k) {
    const auto tile = tiles.row(k);
    float low = 0.0f, scale = 1.0f, offset = 0.0f;
    if (options.scaling == TileScaling::kPerTile) {
      float lo = INFINITY, hi = -INFINITY;
      for (Index i = 0; i < tile.size(); ++i) {
        if (std::isfinite(tile[i])) {
          lo = std::min(lo, tile[i]);
          hi = std::max(hi, tile[i]);
        }
      }
      if (hi > lo) {
        low = lo;
        scale = 1.0f / (hi - lo);
      } else {
        scale = 0.0f;  // constant tile: mid-grey
        offset = 128.0f / 255.0f;
      }
    }
    const int x0 = static_cast<int>((k % columns) * (shape.width + 1));
    const int y0 = static_cast<int>((k / columns) * (shape.height + 1));
    for (int y = 0; y < shape.height; ++y) {
      for (int x = 0; x < shape.width; ++x) {
        const float v = tile[static_cast<Index>(y) * shape.width + x];
        image.at(x0 + x, y0 + y) = to_grey((v - low) * scale + offset);
      }
    }
  }
  return image;
}

std::string encode_png(const GreyImage& image) {
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height) {
    throw OutputError("cannot encode an empty or inconsistent " + std::to_string(image.width) +
                      "x" + std::to_string(image.height) + " image as PNG");
  }
  std::string bytes;
  std::vector<png_bytep> rows(static_cast<size_t>(image.height));
  for (int y = 0; y < image.height; ++y) {
    // libpng's row pointers are non-const, but writing only reads them.
    rows[y] = const_cast<png_bytep>(image.pixels.data() + static_cast<size_t>(y) * image.width);
  }
  PngState state;
  state.out = &bytes;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw OutputError("cannot start the PNG encoder (out of memory)");
  }
  const bool ok = encode_rows(png, info, &state, image, rows.data());
  png_destroy_write_struct(&png, &info);
  if (!ok) throw OutputError(std::string("PNG encoding failed: ") + state.message);
  return bytes;
}

void write_png(const fs::path& file, const GreyImage& image) {
  std::string bytes;
  try {
    bytes = encode_png(image);
  } catch (const OutputError& e) {
    throw OutputError("cannot write " + quote(file) + ": " + e.what());
  }
  write_file_atomically(file, bytes);
}

void check_writable(const fs::path& file) {
  const auto fail = [&](const std::string& reason) {
    throw OutputError("cannot write " + quote(file) + ": " + reason +
                      "; choose another path with --out");
  };
  std::error_code ec;
  if (file.empty()) fail("the path is empty");
  if (fs::is_directory(file, ec)) fail("it is a folder, not a file");
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const auto status = fs::status(folder, ec);
  if (status.type() == fs::file_type::not_found) {
    fail("its folder " + quote(folder) + " does not exist");
  }
  if (!ec && status.type() != fs::file_type::directory) {
    fail(quote(folder) + " is not a folder");
  }
  std::string probe_name(1, '.');  // piecewise: GCC 12's -Wrestrict false positive
  probe_name += file.filename().string();
  probe_name += ".probe-" + std::to_string(::getpid());
  const fs::path probe = folder / probe_name;
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

TileShape parse_tile_shape(const std::string& text) {
  const auto bad = [&]() -> TileShape {
    throw UsageError("--tile: expected WIDTHxHEIGHT such as 28x28, got '" + text + "'");
  };
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos || x == 0 || x + 1 == text.size()) return bad();
  const auto parse = [&](const std::string& part) {
    if (part.size() > 6 || part.find_first_not_of("0123456789") != std::string::npos) bad();
    const int value = std::stoi(part);
    if (value < 1) bad();
    return value;
  };
  return {parse(text.substr(0, x)), parse(text.substr(x + 1))};
}

TileShape choose_tile_shape(long long n_pixels, TileShape stored,
                            const std::optional<TileShape>& requested) {
  if (requested) {
    if (requested->n_pixels() != n_pixels) {
      throw UsageError("--tile " + std::to_string(requested->width) + "x" +
                       std::to_string(requested->height) + " has " +
                       std::to_string(requested->n_pixels()) + " pixels but the model's images have " +
                       std::to_string(n_pixels) + "; give WIDTHxHEIGHT with that product");
    }
    return *requested;
  }
  if (stored.width > 0 && stored.height > 0 && stored.n_pixels() == n_pixels) return stored;
  const auto side = static_cast<long long>(std::llround(std::sqrt(static_cast<double>(n_pixels))));
  if (side > 0 && side * side == n_pixels) {
    return {static_cast<int>(side), static_cast<int>(side)};
  }
  throw UsageError("the model's " + std::to_string(n_pixels) +
                   " visible units are not a square image and the model stores no image size; "
                   "give the tile shape with --tile WIDTHxHEIGHT");
}

fs::path snapshot_path(const fs::path& file, long long step, long long last_step) {
  const size_t digits = std::to_string(std::max(last_step, step)).size();
  std::string number = std::to_string(step);
  if (number.size() < digits) number.insert(0, digits - number.size(), '0');
  const std::string extension = file.has_extension() ? file.extension().string() : ".png";
  return file.parent_path() / (file.stem().string() + "-" + number + extension);
}

}  // namespace dbm::io
