// PGM reader: every header form, CR LF handling, 16-bit, P2, warnings, every error,
// and real AT&T images from ../shared/data/att_faces.

#include "dbm/data/pgm.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dbm/core/error.hpp"
#include "support/temp_dir.hpp"

namespace dbm::data {
namespace {

namespace fs = std::filesystem;

const std::string kName = "test.pgm";

GreyImage parse(const std::string& bytes) { return parse_pgm(bytes, kName); }

std::string bytes_of(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

// The 3x2 image used by most tests, as 8-bit samples.
const std::vector<int> kSamples = {0, 51, 102, 153, 204, 255};
const std::string kRaster = bytes_of({0, 51, 102, 153, 204, 255});

void expect_samples(const GreyImage& image, int width, int height, const std::vector<int>& samples,
                    int maxval) {
  ASSERT_EQ(image.width, width);
  ASSERT_EQ(image.height, height);
  ASSERT_EQ(image.pixels.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    EXPECT_FLOAT_EQ(image.pixels[i], static_cast<float>(samples[i]) / maxval) << "pixel " << i;
  }
}

void expect_reference(const GreyImage& image) {
  expect_samples(image, 3, 2, kSamples, 255);
  EXPECT_TRUE(image.warnings.empty()) << image.warnings.front();
}

// Expects parse() to throw a one-line DataError naming the file and containing `part`.
void expect_error(const std::string& bytes, const std::string& part) {
  try {
    parse(bytes);
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const DataError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(kName + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(part), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  }
}

// --- Header forms -------------------------------------------------------------

TEST(PgmHeader, BinaryFormsDecodeTheSameImage) {
  const std::vector<std::string> headers = {
      "P5\n3 2\n255\n",
      "P5 3 2 255\n",
      "P5 3 2 255 ",
      "P5\t3\t2\t255\t",
      "P5\n# comment right after the magic\n3 2\n255\n",
      "P5# comment touching the magic\n3 2 255\n",
      "P5\n3# comment between width and height\n2\n255\n",
      "P5\n3\n# own line\n# another own line\n2\n255\n",
      "P5 \n\n  3 \t\n\v 2\f\r\n255\n",
      "P5\n3 2\n255# comment after maxval ends the header\n",
      "P5\r\n3 2\r\n255\r\n",
      "P5\r\n# windows comment\r\n3 2\r\n255\r\n",
      "P5\n3 2\n255# windows comment after maxval\r\n",
      "P5\r3 2\r255\r",  // classic Mac line ends: CR alone, raster size exact
  };
  for (const std::string& header : headers) {
    SCOPED_TRACE(header);
    expect_reference(parse(header + kRaster));
  }
}

TEST(PgmHeader, PlainFormsDecodeTheSameImage) {
  const std::vector<std::string> files = {
      "P2\n3 2\n255\n0 51 102\n153 204 255\n",
      "P2 3 2 255 0 51 102 153 204 255",
      "P2\n# comment after the magic\n3 # between width and height\n2\n255\n0 51 102 153 204 255\n",
      "P2\r\n3 2\r\n255\r\n0 51 102\r\n153 204 255\r\n",
      "P2\n3 2\n255\n  0\t\t51\n\n102 153\v204\f255  \n\n",
      "P2\n3 2\n255\n0 51 102 # comments between samples are skipped, as Netpbm does\n153 204 "
      "255\n",
      "P2\n3 2\n255\n000 051 0102 153 204 255\n",
  };
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    expect_reference(parse(file));
  }
}

TEST(PgmHeader, SmallMaxvalScalesToOne) {
  expect_samples(parse("P5\n4 1\n1\n" + bytes_of({0, 1, 1, 0})), 4, 1, {0, 1, 1, 0}, 1);
  expect_samples(parse("P2 2 2 7 0 7 3 4"), 2, 2, {0, 7, 3, 4}, 7);
  const GreyImage image = parse("P5 1 2 100\n" + bytes_of({50, 100}));
  EXPECT_FLOAT_EQ(image.pixels[0], 0.5f);
  EXPECT_FLOAT_EQ(image.pixels[1], 1.0f);
}

TEST(PgmHeader, OnePixelImage) {
  const GreyImage image = parse("P5 1 1 255\n" + bytes_of({128}));
  expect_samples(image, 1, 1, {128}, 255);
}

TEST(PgmHeader, AtAccessorIsRowMajor) {
  const GreyImage image = parse("P5 3 2 255\n" + kRaster);
  EXPECT_FLOAT_EQ(image.at(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(image.at(2, 0), 102.0f / 255);
  EXPECT_FLOAT_EQ(image.at(0, 1), 153.0f / 255);
  EXPECT_FLOAT_EQ(image.at(2, 1), 1.0f);
}

// --- CR LF after maxval (P5) ----------------------------------------------------

// A raster whose first byte is LF (10) and that contains CR LF pairs: the worst case
// for a reader that guesses.
const std::vector<int> kTrickySamples = {10, 13, 10, 200, 13, 10, 0, 10};
const std::string kTrickyRaster = bytes_of({10, 13, 10, 200, 13, 10, 0, 10});

TEST(PgmCrLf, WindowsFileDecodesLikeUnixFile) {
  const GreyImage unix_image = parse("P5\n4 2\n255\n" + kTrickyRaster);
  const GreyImage windows_image = parse("P5\r\n4 2\r\n255\r\n" + kTrickyRaster);
  expect_samples(unix_image, 4, 2, kTrickySamples, 255);
  expect_samples(windows_image, 4, 2, kTrickySamples, 255);
  EXPECT_EQ(unix_image.pixels, windows_image.pixels);
  EXPECT_TRUE(unix_image.warnings.empty());
  EXPECT_TRUE(windows_image.warnings.empty());
}

TEST(PgmCrLf, WindowsFileOnDiskDecodesLikeUnixFile) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "unix.pgm", "P5\n3 2\n255\n" + kRaster);
  dbm::testing::write_bytes(dir / "windows.pgm", "P5\r\n3 2\r\n255\r\n" + kRaster);
  EXPECT_EQ(read_pgm(dir / "unix.pgm").pixels, read_pgm(dir / "windows.pgm").pixels);
  expect_reference(read_pgm(dir / "windows.pgm"));
}

TEST(PgmCrLf, SixteenBitWindowsFileDecodesLikeUnixFile) {
  const std::string raster = bytes_of({10, 13, 0xFF, 0xFF, 0x0A, 0x0D, 0x00, 0x01});
  const GreyImage unix_image = parse("P5\n2 2\n65535\n" + raster);
  const GreyImage windows_image = parse("P5\r\n2 2\r\n65535\r\n" + raster);
  expect_samples(unix_image, 2, 2, {0x0A0D, 0xFFFF, 0x0A0D, 0x0001}, 65535);
  EXPECT_EQ(unix_image.pixels, windows_image.pixels);
  EXPECT_TRUE(windows_image.warnings.empty());
}

TEST(PgmCrLf, LoneCrWithExactSizeKeepsLfAsFirstPixel) {
  // CR is the single delimiter and the file holds exactly the raster after it,
  // so the LF that follows is pixel (0, 0) = 10, not part of a line end.
  const GreyImage image = parse("P5 4 2 255\r" + kTrickyRaster);
  expect_samples(image, 4, 2, kTrickySamples, 255);
  EXPECT_TRUE(image.warnings.empty());
}

TEST(PgmCrLf, WindowsFileWithTrailingBytesWarnsAndKeepsAlignment) {
  const GreyImage image = parse("P5\r\n4 2\r\n255\r\n" + kTrickyRaster + "\r\n");
  expect_samples(image, 4, 2, kTrickySamples, 255);
  ASSERT_EQ(image.warnings.size(), 1u);
  EXPECT_NE(image.warnings[0].find("test.pgm: ignored 2 bytes"), std::string::npos)
      << image.warnings[0];
  EXPECT_NE(image.warnings[0].find("CR LF"), std::string::npos) << image.warnings[0];
}

TEST(PgmCrLf, TruncatedWindowsFileIsAnError) {
  // CR LF then two bytes fewer than the raster needs: neither reading is complete.
  expect_error("P5\r\n4 2\r\n255\r\n" + kTrickyRaster.substr(0, 6), "truncated");
}

// --- 16-bit samples -------------------------------------------------------------

TEST(Pgm16Bit, BigEndianSamplesScaledByMaxval) {
  const GreyImage image =
      parse("P5\n4 1\n65535\n" + bytes_of({0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x01}));
  expect_samples(image, 4, 1, {0, 256, 65535, 1}, 65535);
  EXPECT_FLOAT_EQ(image.pixels[2], 1.0f);
}

TEST(Pgm16Bit, MaxvalJustAbove255UsesTwoBytes) {
  const GreyImage image = parse("P5 2 1 256\n" + bytes_of({0x01, 0x00, 0x00, 0x80}));
  expect_samples(image, 2, 1, {256, 128}, 256);
}

TEST(Pgm16Bit, TwelveBitMaxval) {
  const GreyImage image = parse("P5 2 1 4095\n" + bytes_of({0x0F, 0xFF, 0x08, 0x00}));
  expect_samples(image, 2, 1, {4095, 2048}, 4095);
}

TEST(Pgm16Bit, PlainSixteenBit) {
  expect_samples(parse("P2 3 1 65535\n0 32768 65535\n"), 3, 1, {0, 32768, 65535}, 65535);
}

TEST(Pgm16Bit, SampleAboveMaxvalIsAnError) {
  expect_error("P5 1 1 1000\n" + bytes_of({0x03, 0xE9}), "above maxval 1000");
}

TEST(Pgm16Bit, ShortBodyIsAnError) {
  expect_error("P5 3 2 65535\n" + std::string(11, '\x01'), "needs 12 bytes");
}

// --- Extra data after the raster -----------------------------------------------

TEST(PgmTrailing, BinaryExtraBytesWarn) {
  const GreyImage image = parse("P5 3 2 255\n" + kRaster + "abc");
  expect_samples(image, 3, 2, kSamples, 255);
  ASSERT_EQ(image.warnings.size(), 1u);
  EXPECT_EQ(image.warnings[0],
            "test.pgm: ignored 3 bytes after the raster (3x2 at 1 byte per sample)");
}

TEST(PgmTrailing, PlainExtraTextWarnsButTrailingWhitespaceDoesNot) {
  EXPECT_TRUE(parse("P2 3 2 255 0 51 102 153 204 255 \n\n\t").warnings.empty());
  EXPECT_TRUE(parse("P2 3 2 255 0 51 102 153 204 255\n# trailing comment\n").warnings.empty());
  const GreyImage image = parse("P2 3 2 255 0 51 102 153 204 255 7 8\n");
  expect_samples(image, 3, 2, kSamples, 255);
  ASSERT_EQ(image.warnings.size(), 1u);
  EXPECT_NE(image.warnings[0].find("test.pgm: ignored"), std::string::npos) << image.warnings[0];
}

// --- Not a PGM --------------------------------------------------------------------

TEST(PgmErrors, NotAPgm) {
  expect_error("", "empty");
  expect_error("P6\n3 2\n255\n" + std::string(18, 'x'), "PPM colour image (P6)");
  expect_error("P3\n1 1\n255\n1 2 3\n", "PPM colour image (P3)");
  expect_error("P4\n8 1\n" + bytes_of({0x55}), "PBM bitmap (P4)");
  expect_error("P1\n2 1\n0 1\n", "PBM bitmap (P1)");
  expect_error("P7\nWIDTH 1\n", "PAM image (P7)");
  expect_error(bytes_of({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}) + "....IHDR", "PNG image");
  expect_error(bytes_of({0xFF, 0xD8, 0xFF, 0xE0}), "JPEG image");
  expect_error("GIF89a....", "GIF image");
  expect_error("hello, world\nthis is text\n", "does not start with the PGM magic P5 or P2");
  expect_error("<!DOCTYPE html><html>", "does not start with the PGM magic");
  expect_error("P55 3 2 255\n", "does not start with the PGM magic");
  expect_error("p5 3 2 255\n", "does not start with the PGM magic");
  expect_error("P", "does not start with the PGM magic");
}

TEST(PgmErrors, NonPrintableBytesAreEscapedInMessages) {
  try {
    parse(bytes_of({0x01, 0x02, '\n', 'x'}));
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("\\x01\\x02\\x0A"), std::string::npos) << error.what();
  }
}

// --- Bad header fields -------------------------------------------------------------

TEST(PgmErrors, ZeroSizes) {
  expect_error("P5 0 2 255\n", "width is 0");
  expect_error("P5 3 0 255\n", "height is 0");
  expect_error("P2 0 0 255\n", "width is 0");
}

TEST(PgmErrors, NegativeSizes) {
  expect_error("P5 -3 2 255\n" + kRaster, "width is negative ('-3')");
  expect_error("P5 3 -2 255\n" + kRaster, "height is negative ('-2')");
  expect_error("P2\n3 2\n-255\n", "maxval is negative");
}

TEST(PgmErrors, NonNumericHeaderFields) {
  expect_error("P5 abc 2 255\n", "expected the width (a whole number) in the header, found 'abc'");
  expect_error("P5 92x112 255\n", "width '92x112' is not a whole number");
  expect_error("P5 3 2.5 255\n", "height '2.5' is not a whole number");
  expect_error("P5 3 2 +255\n", "expected the maxval");
}

TEST(PgmErrors, MaxvalOutOfRange) {
  expect_error("P5 3 2 0\n" + kRaster, "maxval is 0; it must be between 1 and 65535");
  expect_error("P5 3 2 65536\n" + kRaster, "maxval is 65536; it must be between 1 and 65535");
  expect_error("P5 3 2 99999999999999999999999\n" + kRaster, "maxval is 99999999999999999999999");
}

TEST(PgmErrors, TruncatedHeader) {
  expect_error("P5", "header ends before the width");
  expect_error("P5\n", "header ends before the width");
  expect_error("P5 3", "header ends before the height");
  expect_error("P5 3 2 # comment but no maxval\n", "header ends before the maxval");
  expect_error("P5 3 2 255", "has no raster after the header");
  expect_error("P5 3 2 255# comment", "has no raster after the header");
  expect_error("P2 3 2", "header ends before the maxval");
}

TEST(PgmErrors, ShortBinaryBody) {
  expect_error("P5 3 2 255\n" + kRaster.substr(0, 5),
               "raster is truncated: 3x2 at 1 byte per sample needs 6 bytes after the header, "
               "found 5");
  expect_error("P5 3 2 255\n", "found 0");
}

TEST(PgmErrors, BinarySampleAboveMaxval) {
  expect_error("P5 2 1 100\n" + bytes_of({50, 200}), "sample 2 is 200, above maxval 100");
}

TEST(PgmErrors, ShortPlainBody) {
  expect_error("P2 3 2 255 0 51 102 153 204", "has only 5 of the 6 samples a 3x2 image needs");
  expect_error("P2 3 2 255\n", "has only 0 of the 6 samples");
}

TEST(PgmErrors, PlainSampleAboveMaxval) {
  expect_error("P2 3 2 100\n0 1 2\n3 4 101\n",
               "sample 6 (row 2, column 3) is 101, above maxval 100");
  expect_error("P2 1 1 255 99999999999999999999999",
               "is 99999999999999999999999, above maxval 255");
}

TEST(PgmErrors, PlainSampleNotANumber) {
  expect_error("P2 3 2 255\n0 51 abc 153 204 255\n", "sample 3 (row 1, column 3) is 'abc'");
  expect_error("P2 3 2 255\n0 51 1.5 153 204 255\n", "is '1.5', not a whole number");
  expect_error("P2 3 2 255\n0 51 102 -4 204 255\n", "sample 4 (row 2, column 1) is '-4'");
  expect_error("P2 3 2 255\n0 51 12a 153 204 255\n", "is '12a', not a whole number");
}

// --- Absurd sizes: rejected from the header, before any allocation -----------------

TEST(PgmErrors, AbsurdSizesBeforeAllocating) {
  expect_error("P5 100000 100000 255\n" + kRaster, "header claims 100000x100000 pixels");
  expect_error("P5 16384 16385 255\n" + kRaster, "more than the 268435456-pixel limit");
  expect_error("P5 99999999999999999999999 1 255\n", "header claims 99999999999999999999999x1");
  expect_error("P5 1 4294967297 255\n", "more than the 268435456-pixel limit");
  expect_error("P2 100000 100000 255 1 2 3\n", "more than the 268435456-pixel limit");
}

TEST(PgmErrors, LargeClaimsAreCheckedAgainstTheBodyBeforeAllocating) {
  // 16384x16384 is within the pixel limit (1 GiB as floats) but the body has 6
  // bytes: the size check fails first, so this returns at once without allocating.
  expect_error("P5 16384 16384 65535\n" + kRaster, "needs 536870912 bytes");
  expect_error("P2 16384 16384 255 1 2 3\n", "has only 3 of the 268435456 samples");
}

TEST(PgmErrors, ParseNameIsUsedVerbatim) {
  try {
    parse_pgm("P6 1 1 255\nabc", "faces/x/y.pgm");
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("faces/x/y.pgm: is a PPM", 0), 0u) << error.what();
  }
}

// --- read_pgm on files ---------------------------------------------------------------

TEST(PgmFile, ReadsBinaryAndPlainFiles) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "a.pgm", "P5\n3 2\n255\n" + kRaster);
  dbm::testing::write_bytes(dir / "b.pgm", "P2\n3 2\n255\n0 51 102\n153 204 255\n");
  expect_reference(read_pgm(dir / "a.pgm"));
  expect_reference(read_pgm(dir / "b.pgm"));
}

TEST(PgmFile, ErrorsNameThePath) {
  dbm::testing::TempDir dir;
  const fs::path missing = dir / "missing.pgm";
  try {
    read_pgm(missing);
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_EQ(std::string(error.what()), missing.string() + ": not found; check the path");
  }
  try {
    read_pgm(dir.path());
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find(dir.path().string() + ": is a folder"),
              std::string::npos)
        << error.what();
  }
  dbm::testing::write_bytes(dir / "short.pgm", "P5 3 2 255\n" + kRaster.substr(0, 2));
  try {
    read_pgm(dir / "short.pgm");
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_EQ(
        std::string(error.what()).rfind((dir / "short.pgm").string() + ": raster is truncated", 0),
        0u)
        << error.what();
  }
  dbm::testing::write_bytes(dir / "empty.pgm", "");
  EXPECT_THROW(read_pgm(dir / "empty.pgm"), DataError);
}

// --- Real AT&T / ORL faces (../shared/data/att_faces) ---------------------------------

const fs::path kAttFaces = fs::path(DBM_SHARED_DATA_DIR) / "att_faces";

#define SKIP_WITHOUT_ATT_FACES()                                   \
  if (!fs::is_directory(kAttFaces))                                \
  GTEST_SKIP() << "AT&T faces not found at " << kAttFaces.string() \
               << " (the project's shared data folder, present in CI); skipping real-image test"

struct AttPixel {
  int x;
  int y;
  int value;  // 8-bit sample, maxval 255
};

// Expected values read independently of this reader with od, e.g. for (45, 56) of
// s1/1.pgm (14-byte header, 92 columns):
//   od -A d -t u1 -j $((14 + 56*92 + 45)) -N 1 att_faces/s1/1.pgm   -> 111
// and cross-checked with a few lines of Python (bytes[len - 92*112:][y*92 + x]).
// s1/1.pgm and s1/10.pgm have the header "P5 92 112 255\n", s7/3.pgm and s40/10.pgm
// "P5\n92 112\n255\n"; every file is 10318 bytes.
void expect_att_image(const std::string& relative, const std::vector<AttPixel>& expected) {
  SCOPED_TRACE(relative);
  const GreyImage image = read_pgm(kAttFaces / relative);
  ASSERT_EQ(image.width, 92);
  ASSERT_EQ(image.height, 112);
  ASSERT_EQ(image.pixels.size(), 92u * 112u);
  EXPECT_TRUE(image.warnings.empty());
  for (const AttPixel& p : expected) {
    EXPECT_FLOAT_EQ(image.at(p.x, p.y), p.value / 255.0f) << "(" << p.x << ", " << p.y << ")";
  }
}

TEST(PgmAttFaces, KnownPixels) {
  SKIP_WITHOUT_ATT_FACES();
  expect_att_image(
      "s1/1.pgm",
      {{0, 0, 26}, {1, 0, 61}, {91, 0, 58}, {0, 111, 5}, {45, 56, 111}, {91, 111, 199}});
  expect_att_image(
      "s1/10.pgm",
      {{0, 0, 131}, {1, 0, 134}, {91, 0, 230}, {0, 111, 6}, {45, 56, 69}, {91, 111, 181}});
  expect_att_image(
      "s7/3.pgm",
      {{0, 0, 48}, {1, 0, 52}, {91, 0, 59}, {0, 111, 50}, {45, 56, 196}, {91, 111, 63}});
  expect_att_image(
      "s40/10.pgm",
      {{0, 0, 125}, {1, 0, 124}, {91, 0, 115}, {0, 111, 92}, {45, 56, 73}, {91, 111, 34}});
}

TEST(PgmAttFaces, MeanIntensityMatchesIndependentComputation) {
  SKIP_WITHOUT_ATT_FACES();
  // Mean of the 10304 bytes after the header, computed with Python: 89.08297748447205.
  const GreyImage image = read_pgm(kAttFaces / "s1" / "1.pgm");
  double sum = 0.0;
  for (const float p : image.pixels) sum += p;
  EXPECT_NEAR(sum / image.pixels.size() * 255.0, 89.08297748447205, 1e-4);
}

TEST(PgmAttFaces, WindowsCopyOfARealFileDecodesTheSame) {
  SKIP_WITHOUT_ATT_FACES();
  const std::string original = dbm::testing::read_bytes(kAttFaces / "s7" / "3.pgm");
  ASSERT_EQ(original.substr(0, 14), "P5\n92 112\n255\n");
  // What a Windows tool writes: the same raster behind CR LF header lines.
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "windows.pgm", "P5\r\n92 112\r\n255\r\n" + original.substr(14));
  const GreyImage windows_image = read_pgm(dir / "windows.pgm");
  EXPECT_EQ(windows_image.pixels, read_pgm(kAttFaces / "s7" / "3.pgm").pixels);
  EXPECT_TRUE(windows_image.warnings.empty());
}

}  // namespace
}  // namespace dbm::data
