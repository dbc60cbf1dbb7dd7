// The faces data set: folder discovery, order, resize + sparsify, errors, and the
// real AT&T faces in ../shared/data/att_faces.

#include "dbm/data/faces.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dbm/core/error.hpp"
#include "dbm/data/image_ops.hpp"
#include "dbm/data/pgm.hpp"
#include "support/temp_dir.hpp"

namespace dbm::data {
namespace {

namespace fs = std::filesystem;

const fs::path kAttFaces = fs::path(DBM_SHARED_DATA_DIR) / "att_faces";

#define SKIP_WITHOUT_ATT_FACES()                                                  \
  if (!fs::is_directory(kAttFaces))                                               \
  GTEST_SKIP() << "AT&T faces not found at " << kAttFaces.string()                \
               << " (the project's shared data folder, present in CI); skipping " \
                  "real-image test"

DataOptions att_options(int image_size, Index limit = 0) {
  DataOptions options;
  options.name = "faces";
  options.faces_dir = kAttFaces;
  options.image_size = image_size;
  options.limit = limit;
  return options;
}

// The loader's pipeline, step by step, for one file.
std::vector<float> expected_row(const fs::path& file, int side) {
  const GreyImage image = read_pgm(file);
  std::vector<float> row(static_cast<std::size_t>(side) * side);
  resize_area(image.pixels, image.width, image.height, row, side, side);
  sparsify(row);
  return row;
}

std::vector<float> row_of(const Dataset& dataset, Index row) {
  std::vector<float> out(static_cast<std::size_t>(dataset.dimension()));
  for (Index j = 0; j < dataset.dimension(); ++j) out[j] = dataset.images(row, j);
  return out;
}

// A w x h P5 image with samples (x + y * w) * step, mod 256.
std::string pgm_bytes(int width, int height, int step = 7) {
  std::string bytes = "P5\n" + std::to_string(width) + " " + std::to_string(height) + "\n255\n";
  for (int i = 0; i < width * height; ++i) bytes += static_cast<char>((i * step) % 256);
  return bytes;
}

std::string error_of(const DataOptions& options) {
  try {
    load_faces(options);
  } catch (const DataError& error) {
    return error.what();
  }
  return "(no DataError)";
}

// --- Real AT&T faces ------------------------------------------------------------------

TEST(FacesAtt, LoadsAll400At28) {
  SKIP_WITHOUT_ATT_FACES();
  const Dataset faces = load_faces(att_options(28));
  EXPECT_EQ(faces.name, "faces");
  EXPECT_EQ(faces.source, kAttFaces.string());
  EXPECT_EQ(faces.size(), 400);
  EXPECT_EQ(faces.dimension(), 784);
  EXPECT_EQ(faces.width, 28);
  EXPECT_EQ(faces.height, 28);
  EXPECT_TRUE(faces.labels.empty());
  EXPECT_TRUE(faces.warnings.empty());
  EXPECT_GE(faces.images.minCoeff(), 0.0f);
  EXPECT_LE(faces.images.maxCoeff(), 1.0f);
}

TEST(FacesAtt, LoadsAll400At64) {
  SKIP_WITHOUT_ATT_FACES();
  const Dataset faces = load_faces(att_options(64));
  EXPECT_EQ(faces.size(), 400);
  EXPECT_EQ(faces.dimension(), 4096);
  EXPECT_EQ(faces.width, 64);
  EXPECT_EQ(faces.height, 64);
}

TEST(FacesAtt, OrderIsSortedByPathAndDeterministic) {
  SKIP_WITHOUT_ATT_FACES();
  const Dataset first = load_faces(att_options(28));
  const Dataset second = load_faces(att_options(28));
  EXPECT_EQ(first.images, second.images);
  // Sorted by path component-wise: s1/1, s1/10, s1/2, ..., s1/9, s10/1, ..., s9/9.
  EXPECT_EQ(row_of(first, 0), expected_row(kAttFaces / "s1" / "1.pgm", 28));
  EXPECT_EQ(row_of(first, 1), expected_row(kAttFaces / "s1" / "10.pgm", 28));
  EXPECT_EQ(row_of(first, 2), expected_row(kAttFaces / "s1" / "2.pgm", 28));
  EXPECT_EQ(row_of(first, 10), expected_row(kAttFaces / "s10" / "1.pgm", 28));
  EXPECT_EQ(row_of(first, 399), expected_row(kAttFaces / "s9" / "9.pgm", 28));
}

TEST(FacesAtt, FirstImageMatchesIndependentComputation) {
  SKIP_WITHOUT_ATT_FACES();
  // Reference values from a Python script with exact rational arithmetic
  // (fractions.Fraction): box-filter weights from real-interval overlaps, 92x112 ->
  // 28x28, then the threshold mean + 0.5*population std = 0.4602789401627695, which
  // zeroes 508 of the 784 pixels of s1/1.pgm. The nearest pixel is 3e-4 away from
  // the threshold, so float rounding cannot change the count.
  const Dataset faces = load_faces(att_options(28, 1));
  ASSERT_EQ(faces.size(), 1);
  const auto at = [&](int x, int y) { return faces.images(0, y * 28 + x); };
  EXPECT_NEAR(at(1, 0), 0.4945439045183291, 1e-6);
  EXPECT_NEAR(at(2, 0), 0.513000852514919, 1e-6);
  EXPECT_NEAR(at(3, 0), 0.5304347826086957, 1e-6);
  EXPECT_NEAR(at(15, 10), 0.5753196930946292, 1e-6);
  EXPECT_NEAR(at(27, 27), 0.742071611253197, 1e-6);
  // Below the threshold before sparsifying: 0.2868, 0.3055, 0.0291.
  EXPECT_EQ(at(0, 0), 0.0f);
  EXPECT_EQ(at(13, 14), 0.0f);
  EXPECT_EQ(at(5, 20), 0.0f);
  EXPECT_EQ((faces.images.row(0).array() == 0.0f).count(), 508);
}

TEST(FacesAtt, SparsityIsPlausible) {
  SKIP_WITHOUT_ATT_FACES();
  // For these faces about 66% of pixels fall below mean + 0.5 std (Python, float64:
  // 0.662 at 28x28, per image between 0.547 and 0.759).
  const Dataset faces = load_faces(att_options(28));
  const auto zeros = (faces.images.array() == 0.0f).count();
  EXPECT_NEAR(static_cast<double>(zeros) / faces.images.size(), 0.662, 0.01);
  for (Index i = 0; i < faces.size(); ++i) {
    const double fraction = (faces.images.row(i).array() == 0.0f).count() / 784.0;
    EXPECT_GT(fraction, 0.5) << "image " << i;
    EXPECT_LT(fraction, 0.8) << "image " << i;
  }
}

TEST(FacesAtt, LimitTakesTheFirstImagesInOrder) {
  SKIP_WITHOUT_ATT_FACES();
  const Dataset all = load_faces(att_options(28));
  const Dataset some = load_faces(att_options(28, 200));
  ASSERT_EQ(some.size(), 200);
  EXPECT_EQ(some.images, all.images.topRows(200));
  EXPECT_EQ(load_faces(att_options(28, 1000)).size(), 400);  // a limit above N keeps all
}

// --- Folder discovery on files the test writes ---------------------------------------

TEST(FacesFolder, DefaultsToDataDirFacesRecursivelySortedCaseInsensitive) {
  dbm::testing::TempDir dir;
  const fs::path faces = dir / "faces";
  dbm::testing::write_bytes(faces / "b" / "2.pgm", pgm_bytes(8, 6));
  dbm::testing::write_bytes(faces / "b" / "1.PGM", pgm_bytes(3, 5, 11));
  dbm::testing::write_bytes(faces / "a.Pgm", pgm_bytes(64, 64, 3));
  dbm::testing::write_bytes(faces / "c" / "d" / "e.pgm", "P2 2 2 3 0 1 2 3\n");
  dbm::testing::write_bytes(faces / "README.txt", "not an image");
  dbm::testing::write_bytes(faces / "b" / "x.png", "\x89PNG....");
  dbm::testing::write_bytes(faces / "pgm", "no extension");
  fs::create_directories(faces / "folder.pgm");  // a folder named like a file is skipped

  DataOptions options;
  options.name = "faces";
  options.data_dir = dir.path();
  options.image_size = 4;
  const Dataset dataset = load_faces(options);
  EXPECT_EQ(dataset.source, faces.string());
  ASSERT_EQ(dataset.size(), 4);
  EXPECT_EQ(dataset.dimension(), 16);
  EXPECT_EQ(row_of(dataset, 0), expected_row(faces / "a.Pgm", 4));
  EXPECT_EQ(row_of(dataset, 1), expected_row(faces / "b" / "1.PGM", 4));
  EXPECT_EQ(row_of(dataset, 2), expected_row(faces / "b" / "2.pgm", 4));
  EXPECT_EQ(row_of(dataset, 3), expected_row(faces / "c" / "d" / "e.pgm", 4));
}

TEST(FacesFolder, FacesDirOverridesDataDir) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "elsewhere" / "one.pgm", pgm_bytes(5, 5));
  DataOptions options;
  options.data_dir = dir / "no-such-data-dir";
  options.faces_dir = dir / "elsewhere";
  options.image_size = 2;
  const Dataset dataset = load_faces(options);
  EXPECT_EQ(dataset.size(), 1);
  EXPECT_EQ(dataset.dimension(), 4);
  EXPECT_EQ(dataset.source, (dir / "elsewhere").string());
}

TEST(FacesFolder, UpscalesSmallImages) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "f" / "tiny.pgm", pgm_bytes(23, 28));
  DataOptions options;
  options.faces_dir = dir / "f";
  options.image_size = 64;
  const Dataset dataset = load_faces(options);
  EXPECT_EQ(dataset.dimension(), 4096);
  EXPECT_EQ(row_of(dataset, 0), expected_row(dir / "f" / "tiny.pgm", 64));
}

TEST(FacesFolder, ReaderWarningsAreCollectedNotPrinted) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "f" / "a.pgm", pgm_bytes(4, 4));
  dbm::testing::write_bytes(dir / "f" / "b.pgm", pgm_bytes(4, 4) + "junk");
  DataOptions options;
  options.faces_dir = dir / "f";
  options.image_size = 2;
  const Dataset dataset = load_faces(options);
  ASSERT_EQ(dataset.warnings.size(), 1u);
  EXPECT_EQ(dataset.warnings[0].rfind((dir / "f" / "b.pgm").string() + ": ignored 4 bytes", 0), 0u)
      << dataset.warnings[0];
}

// --- Errors ----------------------------------------------------------------------------

TEST(FacesErrors, MissingFolderSaysWhereAndHowToGetLfwCrop) {
  dbm::testing::TempDir dir;
  DataOptions options;
  options.data_dir = dir / "data";
  const std::string message = error_of(options);
  const std::string folder = (dir / "data" / "faces").string();
  EXPECT_EQ(message.rfind("faces: " + folder + " not found; ", 0), 0u) << message;
  EXPECT_NE(message.find("lfwcrop_grey.zip"), std::string::npos) << message;
  EXPECT_NE(message.find("unpack its faces/ folder into " + folder), std::string::npos) << message;
  EXPECT_NE(message.find("--faces-dir"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(FacesErrors, EmptyFolder) {
  dbm::testing::TempDir dir;
  fs::create_directories(dir / "faces");
  DataOptions options;
  options.faces_dir = dir / "faces";
  const std::string message = error_of(options);
  EXPECT_EQ(message.rfind("faces: no *.pgm files under " + (dir / "faces").string() + "; ", 0), 0u)
      << message;
  EXPECT_NE(message.find("lfwcrop_grey.zip"), std::string::npos) << message;
}

TEST(FacesErrors, FolderWithoutPgmFiles) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "faces" / "photo.png", "\x89PNG....");
  dbm::testing::write_bytes(dir / "faces" / "sub" / "notes.txt", "hello");
  dbm::testing::write_bytes(dir / "faces" / "face.pgm.zip", "PK");
  DataOptions options;
  options.faces_dir = dir / "faces";
  const std::string message = error_of(options);
  EXPECT_EQ(message.rfind("faces: no *.pgm files under " + (dir / "faces").string(), 0), 0u)
      << message;
}

TEST(FacesErrors, PathIsAFile) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "faces.pgm", pgm_bytes(2, 2));
  DataOptions options;
  options.faces_dir = dir / "faces.pgm";
  const std::string message = error_of(options);
  EXPECT_EQ(message.rfind("faces: " + (dir / "faces.pgm").string() + " is not a folder; ", 0), 0u)
      << message;
}

TEST(FacesErrors, BadImageNamesItsFile) {
  dbm::testing::TempDir dir;
  dbm::testing::write_bytes(dir / "faces" / "a.pgm", pgm_bytes(4, 4));
  dbm::testing::write_bytes(dir / "faces" / "b.pgm", "P6\n4 4\n255\n");
  DataOptions options;
  options.faces_dir = dir / "faces";
  const std::string message = error_of(options);
  EXPECT_EQ(message.rfind((dir / "faces" / "b.pgm").string() + ": is a PPM colour image", 0), 0u)
      << message;
}

TEST(FacesErrors, ImageSizeMustBePositive) {
  DataOptions options;
  options.image_size = 0;
  EXPECT_THROW(load_faces(options), UsageError);
}

}  // namespace
}  // namespace dbm::data
