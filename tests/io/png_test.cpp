// PNG grids: geometry and grey levels of tile_grid(), and PNG files that decode
// (with libpng itself, independently of the writer) to exactly the pixels written.

#include "dbm/io/png.hpp"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <filesystem>

#include "dbm/core/error.hpp"
#include "support/temp_dir.hpp"

namespace dbm::io {
namespace {

namespace fs = std::filesystem;

// Decodes a PNG with libpng's simplified API into 8-bit grey pixels.
GreyImage decode_png(const std::string& bytes) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    ADD_FAILURE() << "libpng cannot read the header: " << image.message;
    return {};
  }
  image.format = PNG_FORMAT_GRAY;
  GreyImage out(static_cast<int>(image.width), static_cast<int>(image.height));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng cannot decode the image: " << image.message;
  }
  return out;
}

std::uint32_t big_endian_u32(const std::string& bytes, size_t offset) {
  std::uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}

// n tiles of w x h, tile k all 1 (white) when k is even, all 0 (black) when odd.
RowMajorMatrix checkerboard_tiles(int n, int w, int h) {
  RowMajorMatrix tiles(n, w * h);
  for (int k = 0; k < n; ++k) tiles.row(k).setConstant(k % 2 == 0 ? 1.0f : 0.0f);
  return tiles;
}

TEST(TileGrid, CheckerboardHasTheDocumentedGeometryAndGreyLevels) {
  // 7 tiles of 3x2 in 3 columns: 3 rows, the last one partial.
  const auto tiles = checkerboard_tiles(7, 3, 2);
  GridOptions options;
  options.columns = 3;
  options.separator = 100;
  const GreyImage image = tile_grid(tiles, {3, 2}, options);
  ASSERT_EQ(image.width, 3 * 3 + 2);
  ASSERT_EQ(image.height, 3 * 2 + 2);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const bool separator = x % 4 == 3 || y % 3 == 2;
      const int k = (y / 3) * 3 + x / 4;
      const int expected = separator || k >= 7 ? 100 : (k % 2 == 0 ? 255 : 0);
      EXPECT_EQ(image.at(x, y), expected) << "pixel " << x << "," << y;
    }
  }
}

TEST(TileGrid, TilesAreRowMajorAndUnitValuesRoundToGreyLevels) {
  RowMajorMatrix tiles(1, 6);
  tiles << 0.0f, 0.5f, 1.0f, -3.0f, 7.0f, std::nanf("");
  const GreyImage image = tile_grid(tiles, {3, 2}, GridOptions{});
  ASSERT_EQ(image.width, 3);
  ASSERT_EQ(image.height, 2);
  EXPECT_EQ(image.at(0, 0), 0);
  EXPECT_EQ(image.at(1, 0), 128);  // round(127.5)
  EXPECT_EQ(image.at(2, 0), 255);
  EXPECT_EQ(image.at(0, 1), 0);    // clamped
  EXPECT_EQ(image.at(1, 1), 255);  // clamped
  EXPECT_EQ(image.at(2, 1), 0);    // NaN
}

TEST(TileGrid, PerTileScalingStretchesEachTileToItsOwnRange) {
  RowMajorMatrix tiles(3, 2);
  tiles << -2.0f, 2.0f,   // range 4
      0.01f, 0.03f,       // range 0.02
      5.0f, 5.0f;         // constant
  GridOptions options;
  options.scaling = TileScaling::kPerTile;
  const GreyImage image = tile_grid(tiles, {2, 1}, options);
  ASSERT_EQ(image.width, 3 * 2 + 2);
  EXPECT_EQ(image.at(0, 0), 0);
  EXPECT_EQ(image.at(1, 0), 255);
  EXPECT_EQ(image.at(3, 0), 0);
  EXPECT_EQ(image.at(4, 0), 255);
  EXPECT_EQ(image.at(6, 0), 128);
  EXPECT_EQ(image.at(7, 0), 128);
}

TEST(TileGrid, RejectsMismatchedShapesAndAbsurdSizes) {
  const auto tiles = checkerboard_tiles(4, 3, 3);
  EXPECT_THROW(tile_grid(tiles, {4, 2}, GridOptions{}), UsageError);
  EXPECT_THROW(tile_grid(RowMajorMatrix(0, 9), {3, 3}, GridOptions{}), UsageError);
  GridOptions no_columns;
  no_columns.columns = 0;
  EXPECT_THROW(tile_grid(tiles, {3, 3}, no_columns), UsageError);
  const RowMajorMatrix tall = RowMajorMatrix::Zero(3000, 784);
  GridOptions one_column;
  one_column.columns = 1;
  EXPECT_THROW(tile_grid(tall, {28, 28}, one_column), UsageError);  // 3000*29 > 65535 rows
}

TEST(Png, EncodesAValidGreyscalePngThatDecodesToTheSamePixels) {
  GridOptions options;
  options.columns = 2;
  const GreyImage image = tile_grid(checkerboard_tiles(4, 5, 4), {5, 4}, options);
  const std::string bytes = encode_png(image);

  // Signature, then IHDR: width, height, bit depth 8, colour type 0 (grey).
  ASSERT_GT(bytes.size(), 33u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian_u32(bytes, 16), 11u);
  EXPECT_EQ(big_endian_u32(bytes, 20), 9u);
  EXPECT_EQ(bytes[24], 8);
  EXPECT_EQ(bytes[25], 0);

  const GreyImage decoded = decode_png(bytes);
  EXPECT_EQ(decoded.width, 11);
  EXPECT_EQ(decoded.height, 9);
  EXPECT_EQ(decoded.pixels, image.pixels);
  // Spot checks against the checkerboard itself: tile 0 white, tile 1 black,
  // tile 2 (second row) white, separators white.
  EXPECT_EQ(decoded.at(0, 0), 255);
  EXPECT_EQ(decoded.at(6, 0), 0);
  EXPECT_EQ(decoded.at(5, 0), 255);
  EXPECT_EQ(decoded.at(0, 5), 255);
  EXPECT_EQ(decoded.at(10, 8), 0);
}

TEST(Png, WritePngReplacesTheFileAndLeavesNoTemporaryFiles) {
  testing::TempDir dir;
  const fs::path file = dir / "grid.png";
  testing::write_bytes(file, "old contents");
  GreyImage image(3, 2, 7);
  image.at(2, 1) = 200;
  write_png(file, image);
  const GreyImage decoded = decode_png(testing::read_bytes(file));
  EXPECT_EQ(decoded.pixels, image.pixels);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(Png, UnwritablePathsAreOutputErrorsNamingTheFile) {
  testing::TempDir dir;
  testing::write_bytes(dir / "a-file", "not a folder");
  const fs::path bad = dir / "a-file" / "grid.png";
  try {
    write_png(bad, GreyImage(2, 2));
    FAIL() << "expected OutputError";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_writable(bad), OutputError);
  EXPECT_THROW(check_writable(dir / "missing-folder" / "grid.png"), OutputError);
  EXPECT_THROW(check_writable(dir.path()), OutputError);  // a folder, not a file
  EXPECT_NO_THROW(check_writable(dir / "fine.png"));
  EXPECT_FALSE(fs::exists(dir / "fine.png"));
  EXPECT_THROW(encode_png(GreyImage{}), OutputError);
}

TEST(TileShape, ParsesWidthByHeight) {
  EXPECT_EQ(parse_tile_shape("28x28"), (TileShape{28, 28}));
  EXPECT_EQ(parse_tile_shape("4X3"), (TileShape{4, 3}));
  for (const char* bad : {"", "28", "x28", "28x", "0x5", "-4x3", "ax3", "3x3x3", "99999999x1"}) {
    EXPECT_THROW(parse_tile_shape(bad), UsageError) << bad;
  }
}

TEST(TileShape, ChoosesRequestedThenStoredThenSquareElseAsks) {
  EXPECT_EQ(choose_tile_shape(12, {0, 0}, TileShape{4, 3}), (TileShape{4, 3}));
  EXPECT_THROW(choose_tile_shape(12, {0, 0}, TileShape{5, 3}), UsageError);
  EXPECT_EQ(choose_tile_shape(784, {28, 28}, std::nullopt), (TileShape{28, 28}));
  EXPECT_EQ(choose_tile_shape(10304, {92, 112}, std::nullopt), (TileShape{92, 112}));
  EXPECT_EQ(choose_tile_shape(4096, {28, 28}, std::nullopt), (TileShape{64, 64}));
  try {
    choose_tile_shape(12, {0, 0}, std::nullopt);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--tile"), std::string::npos) << e.what();
  }
}

TEST(SnapshotPath, InsertsTheZeroPaddedStepBeforeTheExtension) {
  EXPECT_EQ(snapshot_path("out/samples.png", 200, 1000), fs::path("out/samples-0200.png"));
  EXPECT_EQ(snapshot_path("grid", 5, 10), fs::path("grid-05.png"));
  EXPECT_EQ(snapshot_path("a.png", 1000, 1000), fs::path("a-1000.png"));
}

}  // namespace
}  // namespace dbm::io
