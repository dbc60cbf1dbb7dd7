#include "dbm/io/model_file.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cereal/archives/json.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

#include "dbm/core/error.hpp"
#include "support/temp_dir.hpp"

namespace dbm::io {
namespace {

namespace fs = std::filesystem;
using dbm::testing::read_bytes;
using dbm::testing::TempDir;
using dbm::testing::write_bytes;

// A model with random parameters for layer sizes `dims`, `n_particles` persistent
// particles (0: none) and two epochs of metrics; every field differs from its default.
ModelFile make_model(const std::vector<int>& dims, int n_particles, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::bernoulli_distribution coin(0.5);
  ModelFile m;
  for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
    Matrix w(dims[l], dims[l + 1]);
    for (Index k = 0; k < w.size(); ++k) w.data()[k] = normal(rng);
    m.dbm.weights.push_back(w);
  }
  for (int size : dims) {
    Vector a(size);
    for (Index k = 0; k < a.size(); ++k) a[k] = normal(rng);
    m.dbm.biases.push_back(a);
  }
  if (n_particles > 0) {
    for (int size : dims) {
      Matrix p(n_particles, size);
      for (Index k = 0; k < p.size(); ++k) p.data()[k] = coin(rng) ? 1.0f : 0.0f;
      m.particles.push_back(p);
    }
  }
  m.config.dimensions = dims;
  m.config.data = "bars_and_stripes";
  m.config.learning_rate = 0.0375f;
  m.config.k1 = 2;
  m.config.k2 = 7;
  m.config.k3 = 3;
  m.config.epochs = 4;
  m.config.batch_size = 11;
  m.config.faces_dir = "/srv/faces";
  m.config.finetune_epochs = 6;
  m.config.particles = n_particles;
  m.config.seed = 18446744073709551557ULL;  // needs all 64 bits
  m.config.limit = 1234;
  m.config.threads = 3;
  m.config.mean_field_tolerance = 3e-6f;
  m.config.cd_epochs = 3;
  m.config.binarize_data = true;
  m.metrics.push_back({"pretrain", 1, 1, 0.25, 0.0375, 0.0, 1.5, 2000.0});
  m.metrics.push_back({"finetune", 0, 1, 0.125, 0.001, 4.75, 2.5, 1000.0});
  m.data = {"bars_and_stripes", "(generated)", 4096, 4, 4};
  m.engine_version = "0.1.0-test";
  m.created_utc = "2024-03-05T13:07:09Z";
  m.training_seconds = 12.625;
  return m;
}

bool bit_identical(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

bool bit_identical(const Vector& a, const Vector& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

std::string u64_bytes(std::uint64_t value) {
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  return bytes;
}

std::string float_bytes(float value) {
  std::string bytes(sizeof value, '\0');
  std::memcpy(bytes.data(), &value, sizeof value);  // the tests run on little-endian hosts
  return bytes;
}

// Replaces `file` with `bytes`. Removing first keeps ext4 from flushing to disk on close
// (as it does when an existing file is truncated), which makes the byte loops 50x faster.
void rewrite(const fs::path& file, const std::string& bytes) {
  fs::remove(file);
  write_bytes(file, bytes);
}

// Position of the only occurrence of `pattern` in `bytes` (fails the test otherwise).
std::size_t find_unique(const std::string& bytes, const std::string& pattern) {
  const auto first = bytes.find(pattern);
  EXPECT_NE(first, std::string::npos);
  EXPECT_EQ(bytes.find(pattern, first + 1), std::string::npos) << "pattern is not unique";
  return first;
}

// The message of the ModelFileError that loading `path` throws ("" if none).
std::string load_error(const fs::path& path) {
  try {
    load_model(path);
  } catch (const ModelFileError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loading " << path << " did not throw ModelFileError";
  return "";
}

std::string save_error(const fs::path& path, const ModelFile& model) {
  try {
    save_model(path, model);
  } catch (const OutputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "saving " << path << " did not throw OutputError";
  return "";
}

std::vector<std::string> folder_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ModelFile, RoundTripIsBitIdentical) {
  TempDir dir;
  auto model = make_model({6, 5, 4, 3}, 7);
  // Values that a text format or a float->double->float detour could alter.
  model.dbm.weights[0](0, 0) = -0.0f;
  model.dbm.weights[0](1, 0) = std::numeric_limits<float>::denorm_min();
  model.dbm.weights[1](0, 1) = std::numeric_limits<float>::max();
  model.dbm.biases[2](1) = std::nextafter(1.0f, 2.0f);
  const auto file = dir / "dbm.cereal";
  save_model(file, model);
  const auto loaded = load_model(file);

  ASSERT_EQ(loaded.dbm.weights.size(), 3u);
  ASSERT_EQ(loaded.dbm.biases.size(), 4u);
  ASSERT_EQ(loaded.particles.size(), 4u);
  for (std::size_t l = 0; l < 3; ++l) {
    EXPECT_TRUE(bit_identical(loaded.dbm.weights[l], model.dbm.weights[l])) << l;
  }
  for (std::size_t l = 0; l < 4; ++l) {
    EXPECT_TRUE(bit_identical(loaded.dbm.biases[l], model.dbm.biases[l])) << l;
    EXPECT_TRUE(bit_identical(loaded.particles[l], model.particles[l])) << l;
  }
  EXPECT_TRUE(std::signbit(loaded.dbm.weights[0](0, 0)));
  EXPECT_EQ(loaded.config.dimensions, model.config.dimensions);
  EXPECT_EQ(loaded.config.data, "bars_and_stripes");
  EXPECT_EQ(loaded.config.learning_rate, 0.0375f);
  EXPECT_EQ(loaded.config.k2, 7);
  EXPECT_EQ(loaded.config.batch_size, 11);
  EXPECT_EQ(loaded.config.faces_dir, "/srv/faces");
  EXPECT_EQ(loaded.config.seed, 18446744073709551557ULL);
  EXPECT_EQ(loaded.config.limit, 1234);
  EXPECT_EQ(loaded.config.mean_field_tolerance, 3e-6f);
  EXPECT_EQ(loaded.config.cd_epochs, 3);
  EXPECT_TRUE(loaded.config.binarize_data);
  ASSERT_EQ(loaded.metrics.size(), 2u);
  EXPECT_EQ(loaded.metrics[1].phase, "finetune");
  EXPECT_EQ(loaded.metrics[1].mean_field_iterations, 4.75);
  EXPECT_EQ(loaded.metrics[0].examples_per_second, 2000.0);
  EXPECT_EQ(loaded.data.name, "bars_and_stripes");
  EXPECT_EQ(loaded.data.n_examples, 4096);
  EXPECT_EQ(loaded.data.image_height, 4);
  EXPECT_EQ(loaded.engine_version, "0.1.0-test");
  EXPECT_EQ(loaded.created_utc, "2024-03-05T13:07:09Z");
  EXPECT_EQ(loaded.training_seconds, 12.625);
  // Every remaining field (the whole config included) via the metadata.
  EXPECT_EQ(metadata_json(loaded), metadata_json(model));
  // Saving what was loaded reproduces the file byte for byte.
  save_model(dir / "again.cereal", loaded);
  EXPECT_EQ(read_bytes(dir / "again.cereal"), read_bytes(file));
}

TEST(ModelFile, RoundTripWithoutParticlesOrMetrics) {
  TempDir dir;
  auto model = make_model({3, 2}, 0);
  model.metrics.clear();
  save_model(dir / "dbm.cereal", model);
  const auto loaded = load_model(dir / "dbm.cereal");
  EXPECT_TRUE(loaded.particles.empty());
  EXPECT_TRUE(loaded.metrics.empty());
  EXPECT_TRUE(bit_identical(loaded.dbm.weights[0], model.dbm.weights[0]));
}

TEST(ModelFile, FileStartsWithMagicAndVersion) {
  TempDir dir;
  save_model(dir / "dbm.cereal", make_model({3, 2}, 0));
  const auto bytes = read_bytes(dir / "dbm.cereal");
  ASSERT_GE(bytes.size(), 13u);
  EXPECT_EQ(bytes.substr(0, 8), "RAIN_DBM");
  EXPECT_EQ(bytes.substr(8, 4), std::string("\x02\x00\x00\x00", 4));
  EXPECT_EQ(bytes[12], '\x01');  // cereal's endianness flag: little-endian
}

// A file that version 1 of the tool wrote (a 16-4 RBM trained on bars_and_stripes)
// still loads; the fields that version 2 added take the defaults, which are what
// version 1 did (CD for the first half of the epochs, grey-value training data).
TEST(ModelFile, LoadsVersion1FilesWithTheDefaultsOfTheNewFields) {
  const fs::path fixture =
      fs::path(DBM_SOURCE_DIR) / "tests" / "io" / "fixtures" / "rbm-16-4.format-v1.cereal";
  const auto bytes = read_bytes(fixture);
  ASSERT_GE(bytes.size(), 12u);
  ASSERT_EQ(bytes.substr(8, 4), std::string("\x01\x00\x00\x00", 4));
  const auto loaded = load_model(fixture);
  EXPECT_EQ(loaded.config.dimensions, (std::vector<int>{16, 4}));
  EXPECT_EQ(loaded.dbm.weights.at(0).rows(), 16);
  EXPECT_EQ(loaded.config.cd_epochs, -1);
  EXPECT_FALSE(loaded.config.binarize_data);
  // Saving it again writes the current version, and that file loads the same.
  TempDir dir;
  save_model(dir / "dbm.cereal", loaded);
  EXPECT_EQ(read_bytes(dir / "dbm.cereal").substr(8, 4), std::string("\x02\x00\x00\x00", 4));
  EXPECT_EQ(metadata_json(load_model(dir / "dbm.cereal")), metadata_json(loaded));
}

TEST(ModelFile, LoadsFromRunFolderOrFile) {
  TempDir dir;
  const auto run = dir / "2024_03_05_13_07_09_3_2_bars_and_stripes_dbm";
  fs::create_directory(run);
  const auto model = make_model({3, 2}, 4);
  save_model(run / kModelFileName, model);
  EXPECT_EQ(resolve_model_file(run), run / "dbm.cereal");
  EXPECT_EQ(resolve_model_file(run / "dbm.cereal"), run / "dbm.cereal");
  EXPECT_EQ(resolve_model_file(dir / "missing"), dir / "missing");
  const auto from_folder = load_model(run);
  const auto from_file = load_model(run / "dbm.cereal");
  EXPECT_TRUE(bit_identical(from_folder.dbm.weights[0], model.dbm.weights[0]));
  EXPECT_TRUE(bit_identical(from_file.dbm.weights[0], model.dbm.weights[0]));
}

TEST(ModelFile, MissingModelSaysWhatToPass) {
  TempDir dir;
  const auto message = load_error(dir.path());  // a folder without dbm.cereal
  EXPECT_NE(message.find((dir / "dbm.cereal").string()), std::string::npos) << message;
  EXPECT_NE(message.find("no such model file; pass a run folder written by train_dbm or its "
                         "dbm.cereal"),
            std::string::npos)
      << message;
  EXPECT_NE(load_error(dir / "nope.cereal").find("no such model file"), std::string::npos);
  fs::create_directory(dir / "dbm.cereal");  // a folder where the file should be
  EXPECT_NE(load_error(dir.path()).find("not a regular file"), std::string::npos);
}

TEST(ModelFile, RejectsFilesThatAreNotModels) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({3, 2}, 0));
  auto bytes = read_bytes(file);
  bytes[0] = 'X';
  write_bytes(file, bytes);
  auto message = load_error(file);
  EXPECT_NE(message.find("not a train_dbm model file"), std::string::npos) << message;
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;

  write_bytes(file, "<!DOCTYPE html><html><body>Not Found</body></html>\n");
  EXPECT_NE(load_error(file).find("not a train_dbm model file"), std::string::npos);
  write_bytes(file, "");
  EXPECT_NE(load_error(file).find("empty"), std::string::npos);
  write_bytes(file, "R");
  EXPECT_NE(load_error(file).find("truncated"), std::string::npos);
}

TEST(ModelFile, RejectsNewerFormatVersion) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({3, 2}, 0));
  auto bytes = read_bytes(file);
  const auto newer = kModelFormatVersion + 1;
  bytes[8] = static_cast<char>(newer);
  write_bytes(file, bytes);
  const auto message = load_error(file);
  EXPECT_NE(message.find("written by a newer train_dbm (format " + std::to_string(newer) +
                         "); this build reads up to " + std::to_string(kModelFormatVersion)),
            std::string::npos)
      << message;

  bytes[8] = 0;
  write_bytes(file, bytes);
  EXPECT_NE(load_error(file).find("format version 0"), std::string::npos);
}

TEST(ModelFile, EveryTruncationIsACleanError) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({4, 3, 2}, 2));
  const auto bytes = read_bytes(file);
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    rewrite(file, bytes.substr(0, length));
    const auto message = load_error(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << length;
    if (length >= 12) {
      EXPECT_NE(message.find("truncated or corrupted"), std::string::npos)
          << length << ": " << message;
    }
  }
}

TEST(ModelFile, RejectsTrailingBytes) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({3, 2}, 0));
  write_bytes(file, read_bytes(file) + std::string(1, '\0'));
  const auto message = load_error(file);
  EXPECT_NE(message.find("1 unexpected bytes after the model"), std::string::npos) << message;
}

TEST(ModelFile, HugeStoredLengthsFailWithoutAllocating) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  auto model = make_model({5, 4, 3}, 7);
  save_model(file, model);
  const auto good = read_bytes(file);

  // The length of the engine_version string (a cereal size tag).
  const auto at = find_unique(good, u64_bytes(10) + "0.1.0-test");
  for (std::uint64_t huge : {std::uint64_t{1} << 63, std::uint64_t{1} << 40, std::uint64_t{1} << 32,
                             std::uint64_t{5000}}) {
    auto bytes = good;
    bytes.replace(at, 8, u64_bytes(huge));
    write_bytes(file, bytes);
    const auto message = load_error(file);
    EXPECT_NE(message.find("exceeds the"), std::string::npos) << huge << ": " << message;
  }

  // The row count of the particles (P = 7 rows x N_0 = 5 columns), which has no
  // expected value: caught by the size limits and by the bytes that remain.
  const auto rows_at = find_unique(good, u64_bytes(7) + u64_bytes(5));
  for (std::uint64_t rows :
       {(std::uint64_t{1} << 56) + 7, std::uint64_t{1} << 22, std::uint64_t{1} << 20}) {
    auto bytes = good;
    bytes.replace(rows_at, 8, u64_bytes(rows));
    write_bytes(file, bytes);
    const auto message = load_error(file);
    EXPECT_NE(message.find("truncated or corrupted"), std::string::npos) << rows << ": " << message;
  }
}

TEST(ModelFile, EveryFlippedByteIsHandled) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({4, 3, 2}, 2));
  const auto good = read_bytes(file);
  int n_errors = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char mask : {0xFF, 0x80, 0x01}) {
      auto bytes = good;
      bytes[i] = static_cast<char>(static_cast<unsigned char>(bytes[i]) ^ mask);
      rewrite(file, bytes);
      try {
        load_model(file);  // a flipped parameter or metric can still be a valid model
      } catch (const ModelFileError&) {
        ++n_errors;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << i << " ^ " << int{mask} << ": " << e.what();
      }
    }
  }
  EXPECT_GT(n_errors, 0);
}

TEST(ModelFile, ShapeMismatchOnDiskNamesTheField) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({2, 3}, 0));
  auto bytes = read_bytes(file);
  // W_1 is stored as rows = 2, cols = 3; swapping them keeps the byte count.
  const auto at = find_unique(bytes, u64_bytes(2) + u64_bytes(3));
  bytes.replace(at, 16, u64_bytes(3) + u64_bytes(2));
  write_bytes(file, bytes);
  const auto message = load_error(file);
  EXPECT_NE(message.find("weights[0] (W_1) is 3x2; layer sizes 2,3 need 2x3"), std::string::npos)
      << message;
}

TEST(ModelFile, NanWeightOnDiskIsRejected) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  auto model = make_model({3, 2}, 0);
  model.dbm.weights[0](2, 1) = 0.123456789f;
  save_model(file, model);
  auto bytes = read_bytes(file);
  const auto at = find_unique(bytes, float_bytes(0.123456789f));
  bytes.replace(at, 4, float_bytes(std::numeric_limits<float>::quiet_NaN()));
  write_bytes(file, bytes);
  const auto message = load_error(file);
  EXPECT_NE(message.find("weights[0] (2,1) is nan; every parameter must be finite"),
            std::string::npos)
      << message;
}

TEST(ModelFile, ValidateNamesTheBadField) {
  const fs::path file = "run/dbm.cereal";
  const auto expect_problem = [&](const ModelFile& model, const std::string& text) {
    try {
      validate_model(model, file);
      ADD_FAILURE() << "no error for " << text;
    } catch (const ModelFileError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("'run/dbm.cereal': ", 0), 0u) << message;
      EXPECT_NE(message.find(text), std::string::npos) << message;
    }
  };
  const auto good = make_model({4, 3, 2}, 5);
  EXPECT_NO_THROW(validate_model(good, file));

  auto m = good;
  m.dbm.biases.resize(1);
  expect_problem(m, "biases: 1 layers; a DBM has at least two");
  m = good;
  m.dbm.biases[1].resize(0);
  expect_problem(m, "biases[1] has 0 units");
  m = good;
  m.dbm.weights.pop_back();
  expect_problem(m, "weights: 1 matrices; layer sizes 4,3,2 need 2");
  m = good;
  m.dbm.weights[1] = Matrix::Zero(2, 3);
  expect_problem(m, "weights[1] (W_2) is 2x3; layer sizes 4,3,2 need 3x2");
  m = good;
  m.particles.pop_back();
  expect_problem(m, "particles: 2 matrices; expected none or 3");
  m = good;
  m.particles[2] = Matrix::Zero(4, 2);
  expect_problem(m, "particles[2] is 4x2; layer sizes 4,3,2 need 5x2");
  m = good;
  m.particles[1] = Matrix::Zero(5, 4);
  expect_problem(m, "particles[1] is 5x4; layer sizes 4,3,2 need 5x3");
  m = good;
  for (auto& p : m.particles) p.resize(0, p.cols());
  expect_problem(m, "particles[0] has no rows");
  m = good;
  m.dbm.biases[2](1) = std::numeric_limits<float>::infinity();
  expect_problem(m, "biases[2] (1,0) is inf");
  m = good;
  m.dbm.weights[1](0, 1) = std::numeric_limits<float>::quiet_NaN();
  expect_problem(m, "weights[1] (0,1) is nan");
  m = good;
  m.particles[0](4, 3) = -std::numeric_limits<float>::infinity();
  expect_problem(m, "particles[0] (4,3) is -inf");
  m = good;
  m.config.dimensions = {4, 3, 3};
  expect_problem(m,
                 "config.dimensions (4,3,3) disagree with the layer sizes of the weights "
                 "(4,3,2)");
}

TEST(ModelFile, SaveRefusesAnInconsistentModelAndWritesNothing) {
  TempDir dir;
  auto model = make_model({3, 2}, 0);
  model.dbm.weights[0](0, 0) = std::numeric_limits<float>::quiet_NaN();
  const auto message = save_error(dir / "dbm.cereal", model);
  EXPECT_NE(message.find("refusing to save"), std::string::npos) << message;
  EXPECT_NE(message.find("weights[0] (0,0) is nan"), std::string::npos) << message;
  EXPECT_TRUE(folder_entries(dir.path()).empty());
}

TEST(ModelFile, SaveIntoMissingFolderFails) {
  TempDir dir;
  const auto file = dir / "missing" / "dbm.cereal";
  const auto message = save_error(file, make_model({3, 2}, 0));
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  EXPECT_TRUE(folder_entries(dir.path()).empty());
}

TEST(ModelFile, SaveBelowARegularFileFails) {
  // Permission bits do not stop root; a regular file in the path stops everyone.
  TempDir dir;
  write_bytes(dir / "plain", "x");
  const auto message = save_error(dir / "plain" / "dbm.cereal", make_model({3, 2}, 0));
  EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"plain"});
}

TEST(ModelFile, FailedRenameRemovesTheTemporaryFile) {
  TempDir dir;
  fs::create_directory(dir / "dbm.cereal");  // rename() cannot replace a folder with a file
  write_bytes(dir / "dbm.cereal" / "keep", "x");
  const auto message = save_error(dir / "dbm.cereal", make_model({3, 2}, 0));
  EXPECT_NE(message.find("replacing it failed"), std::string::npos) << message;
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"dbm.cereal"});
  EXPECT_EQ(read_bytes(dir / "dbm.cereal" / "keep"), "x");
}

TEST(ModelFile, FailedWriteLeavesTheExistingFileUnchanged) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({3, 2}, 0));
  const auto before = read_bytes(file);

  // A write that fails midway, like a full disk: cap the file size this process may
  // write (root is bound by it too) and ignore the signal that would otherwise kill us.
  const auto big = make_model({200, 100}, 50);
  rlimit old_limit{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    save_model(file, big);
  } catch (const OutputError& e) {
    message = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_EQ(read_bytes(file), before);
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"dbm.cereal"});

  // A refused (inconsistent) model leaves it alone as well.
  auto bad = make_model({3, 2}, 0);
  bad.config.dimensions = {3, 3};
  save_error(file, bad);
  EXPECT_EQ(read_bytes(file), before);
  EXPECT_NO_THROW(load_model(file));
}

TEST(ModelFile, SaveReplacesAnExistingFile) {
  TempDir dir;
  const auto file = dir / "dbm.cereal";
  save_model(file, make_model({3, 2}, 0, 1));
  const auto second = make_model({4, 3, 2}, 0, 2);
  save_model(file, second);
  EXPECT_TRUE(bit_identical(load_model(file).dbm.weights[1], second.dbm.weights[1]));
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"dbm.cereal"});
}

TEST(ModelFile, WriteFileAtomicallyWritesTheExactText) {
  TempDir dir;
  const auto file = dir / "dbm.json";
  write_file_atomically(file, "old\n");
  write_file_atomically(file, std::string("new\0text\n", 9));
  EXPECT_EQ(read_bytes(file), std::string("new\0text\n", 9));
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"dbm.json"});
  EXPECT_THROW(write_file_atomically(dir / "no" / "dbm.json", "x"), OutputError);
}

TEST(ModelFile, MetadataJsonHasNamedFieldsAndNoWeights) {
  auto model = make_model({6, 5, 4}, 7);
  model.metrics[1].reconstruction_error = 1.2345678901234567e-5;  // every digit must survive
  model.metrics[1].seconds = 0.1 + 0.2;
  const auto json = metadata_json(model);
  EXPECT_EQ(json.find("weights"), std::string::npos);
  EXPECT_EQ(json.find("cereal_class_version"), std::string::npos) << json;
  EXPECT_EQ(json.find("value0"), std::string::npos) << json;  // every field is named

  // Read it back as a script would, by name.
  std::istringstream in(json);
  cereal::JSONInputArchive ar(in);
  std::uint32_t format_version = 0;
  std::string engine_version, created_utc;
  std::vector<int> dimensions;
  double training_seconds = 0.0;
  std::int64_t n_particles = 0;
  ar(cereal::make_nvp("format_version", format_version),
     cereal::make_nvp("engine_version", engine_version),
     cereal::make_nvp("created_utc", created_utc), cereal::make_nvp("dimensions", dimensions));
  EXPECT_EQ(format_version, kModelFormatVersion);
  EXPECT_EQ(engine_version, "0.1.0-test");
  EXPECT_EQ(created_utc, "2024-03-05T13:07:09Z");
  EXPECT_EQ(dimensions, (std::vector<int>{6, 5, 4}));

  DataInfo data;
  ar.setNextName("data");
  ar.startNode();
  data.serialize(ar, 1);
  ar.finishNode();
  EXPECT_EQ(data.source, "(generated)");
  EXPECT_EQ(data.n_examples, 4096);

  train::TrainConfig config;
  ar.setNextName("config");
  ar.startNode();
  config.serialize(ar, 0);
  ar.finishNode();
  EXPECT_EQ(config.seed, 18446744073709551557ULL);
  EXPECT_EQ(config.learning_rate, 0.0375f);
  EXPECT_EQ(config.dimensions, (std::vector<int>{6, 5, 4}));
  EXPECT_EQ(config.faces_dir, "/srv/faces");

  ar.setNextName("metrics");
  ar.startNode();
  cereal::size_type n_metrics = 0;
  ar.loadSize(n_metrics);
  ASSERT_EQ(n_metrics, 2u);
  std::vector<EpochMetrics> metrics(2);
  for (auto& m : metrics) {
    ar.startNode();
    m.serialize(ar, 1);
    ar.finishNode();
  }
  ar.finishNode();
  EXPECT_EQ(metrics[1].phase, "finetune");
  EXPECT_EQ(metrics[1].mean_field_iterations, 4.75);
  EXPECT_EQ(metrics[1].reconstruction_error, 1.2345678901234567e-5);
  EXPECT_EQ(metrics[1].seconds, 0.1 + 0.2);

  ar(cereal::make_nvp("training_seconds", training_seconds),
     cereal::make_nvp("n_particles", n_particles));
  EXPECT_EQ(training_seconds, 12.625);
  EXPECT_EQ(n_particles, 7);
}

TEST(ModelFile, MetadataJsonShowsTheFormat2TrainingFields) {
  const auto json = metadata_json(make_model({3, 2}, 0));
  EXPECT_NE(json.find("\"cd_epochs\": 3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"binarize_data\": true"), std::string::npos) << json;
}

TEST(ModelFile, MetadataJsonWithoutParticlesOrWeights) {
  ModelFile model;  // before training: no parameters yet
  model.config.dimensions = {784, 500};
  const auto json = metadata_json(model);
  EXPECT_NE(json.find("\"n_particles\": 0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"metrics\": []"), std::string::npos) << json;
}

}  // namespace
}  // namespace dbm::io
