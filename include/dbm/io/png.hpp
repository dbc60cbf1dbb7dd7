#pragma once
// Greyscale PNG output for sample and filter grids (`train_dbm sample`, `filters`).
//
// A grid is built in two steps: tile_grid() lays out one image per row of a matrix
// as tiles of a rows x columns grid, with a 1-pixel separator between neighbouring
// tiles (none around the border), and converts values to 8-bit grey levels; then
// write_png() encodes it with libpng (8-bit greyscale, no interlacing) and replaces
// the target file atomically, like the model file (temporary file + fsync + rename),
// so an interrupted write never leaves a truncated PNG.
//
// Geometry of a grid of n tiles of w x h pixels in c columns (c <= n):
//
//   columns_used = min(c, n),  rows = ceil(n / columns_used)
//   width  = columns_used * w + (columns_used - 1)
//   height = rows * h + (rows - 1)
//
// Tile k sits at grid cell (k / columns_used, k % columns_used), left to right then
// top to bottom; its top-left pixel is at x = col * (w + 1), y = row * (h + 1).
// Separators and the empty cells of a partial last row have the separator grey level.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"

namespace dbm::io {

// An 8-bit greyscale image, row-major: pixel (x, y) is pixels[y * width + x];
// 0 is black, 255 white.
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;

  GreyImage() = default;
  GreyImage(int width, int height, std::uint8_t fill = 0);

  std::uint8_t& at(int x, int y) { return pixels[static_cast<size_t>(y) * width + x]; }
  std::uint8_t at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

// The shape of one tile: an image of `width` x `height` pixels stored row by row,
// so a tile is a vector of width * height values.
struct TileShape {
  int width = 0;
  int height = 0;

  long long n_pixels() const { return static_cast<long long>(width) * height; }
  bool operator==(const TileShape&) const = default;
};

// How tile values become grey levels.
enum class TileScaling {
  // Values are intensities in [0, 1]: grey = round(255 * v), clamped to 0..255.
  // For probabilities such as mean-field visible images.
  kUnit,
  // Each tile is stretched to its own range: its minimum becomes 0, its maximum
  // 255 (grey = round(255 * (v - min) / (max - min))). A constant tile is mid-grey
  // (128). For weight vectors, whose scale differs from unit to unit.
  kPerTile,
};

struct GridOptions {
  int columns = 10;                // tiles per row (at most the number of tiles are used)
  TileScaling scaling = TileScaling::kUnit;
  std::uint8_t separator = 255;    // grey level of the 1-pixel separators (white)
};

// Lays out the rows of `tiles` (n x (w*h), one tile per row, each tile row-major)
// as a grid with the geometry in the header comment. Preconditions: n >= 1,
// tiles.cols() == shape.n_pixels(), options.columns >= 1; otherwise throws
// dbm::UsageError. Also throws dbm::UsageError when the grid would exceed 65535
// pixels on a side or 2^28 pixels in all (far beyond any useful picture: --count
// or --columns is off). NaN values become 0.
GreyImage tile_grid(const Eigen::Ref<const RowMajorMatrix>& tiles, TileShape shape,
                    const GridOptions& options);

// `image` encoded as an 8-bit greyscale PNG, in memory. Throws dbm::OutputError for
// an empty image or if libpng reports an error.
std::string encode_png(const GreyImage& image);

// Encodes `image` and writes it to `file` atomically. Throws dbm::OutputError naming
// the file and the reason (the OS error or libpng's message); on failure no temporary
// file is left behind and an existing `file` is untouched.
void write_png(const std::filesystem::path& file, const GreyImage& image);

// Fails fast before long work: checks that `file` could be written by creating and
// removing a probe file in its folder, and that `file` is not a folder itself.
// Throws dbm::OutputError naming `file` and the reason.
void check_writable(const std::filesystem::path& file);

// Parses a --tile value "WxH" (e.g. "28x28", both at least 1). Throws dbm::UsageError
// naming --tile and the value.
TileShape parse_tile_shape(const std::string& text);

// The tile shape for images of `n_pixels` values:
//   1. `requested` (--tile) when given; its area must equal n_pixels;
//   2. else the image size stored with the model (`stored`, e.g. 28x28 for MNIST,
//      image-size^2 for faces) when its area equals n_pixels;
//   3. else a square when n_pixels is a perfect square;
//   4. else throws dbm::UsageError asking for --tile WxH.
TileShape choose_tile_shape(long long n_pixels, TileShape stored,
                            const std::optional<TileShape>& requested);

// `file` with "-<step>" inserted before its extension (".png" when it has none):
// snapshot_path("out/samples.png", 200, 1000) is "out/samples-0200.png". The step is
// zero-padded to the digits of `last_step` so that the files sort in step order.
std::filesystem::path snapshot_path(const std::filesystem::path& file, long long step,
                                    long long last_step);

}  // namespace dbm::io
