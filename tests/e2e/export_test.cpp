// End-to-end: `train_dbm export` on a model trained by the real executable, read back
// by NumPy (tests/e2e/check_export.py) and compared with what the engine computes.

#include <gtest/gtest.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>

#include "dbm/io/model_file.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;
using testing::run_train_dbm;

size_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The first python3 that can import NumPy: Debian's /usr/bin/python3 (where
// python3-numpy installs) before any other python3 on PATH. Empty if none.
std::string python_with_numpy() {
  std::vector<std::string> candidates = {"/usr/bin/python3"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream folders(path);
    for (std::string folder; std::getline(folders, folder, ':');) {
      if (!folder.empty()) candidates.push_back(folder + "/python3");
    }
  }
  for (const auto& python : candidates) {
    if (fs::exists(python) && testing::run_command(python, {"-c", "import numpy"}).exit_code == 0) {
      return python;
    }
  }
  return {};
}

// A 16-8-4 DBM trained on the built-in bars and stripes, shared by the tests here.
class Export : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    models_ = new testing::TempDir;
    const auto run = run_train_dbm({"--data", "bars_and_stripes", "-d", "16,8,4", "--epochs", "2",
                                    "--batch-size", "5", "--seed", "1", "--threads", "1",
                                    "--models-dir", models_->path().string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    run_dir_ = first_line(run.out);
  }
  static void TearDownTestSuite() {
    delete models_;
    models_ = nullptr;
  }
  void SetUp() override { ASSERT_FALSE(run_dir_.empty()) << "training the test model failed"; }

  static testing::TempDir* models_;
  static fs::path run_dir_;
};

testing::TempDir* Export::models_ = nullptr;
fs::path Export::run_dir_;

void append(std::string& out, double value) {
  char text[32];
  out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
}
void append(std::string& out, float value) {
  char text[32];
  out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
}

// A flat C-order list of a matrix's entries.
std::string flat(const Matrix& m) {
  std::string out = "[";
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index j = 0; j < m.cols(); ++j) {
      if (i + j > 0) out += ',';
      append(out, m(i, j));
    }
  }
  return out + "]";
}

// What check_export.py compares against: every parameter as the engine loaded it,
// and some joint states with the energy model::Dbm::energy gives them.
std::string expected_json(const io::ModelFile& model,
                          const std::vector<std::vector<Matrix>>& states,
                          const std::vector<double>& energies) {
  const auto& dbm = model.dbm;
  // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "," + string.
  std::string out = "{\"dims\": [";
  for (Index l = 0; l <= dbm.n_layers(); ++l) {
    if (l) out += ',';
    out += std::to_string(dbm.layer_size(l));
  }
  out += "], \"arrays\": {";
  for (Index l = 1; l <= dbm.n_layers(); ++l) {
    out += "\"W";
    out += std::to_string(l);
    out += "\": ";
    out += flat(dbm.weights[l - 1]);
    out += ", ";
  }
  for (Index l = 0; l <= dbm.n_layers(); ++l) {
    out += l ? ", \"a" : "\"a";
    out += std::to_string(l);
    out += "\": ";
    out += flat(dbm.biases[l].transpose());
  }
  out += "}, \"states\": [";
  for (size_t s = 0; s < states.size(); ++s) {
    out += s ? ", [" : "[";
    for (size_t l = 0; l < states[s].size(); ++l) {
      if (l) out += ',';
      out += flat(states[s][l]);
    }
    out += "]";
  }
  out += "], \"energies\": [";
  for (size_t s = 0; s < energies.size(); ++s) {
    if (s) out += ',';
    append(out, energies[s]);
  }
  return out + "]}\n";
}

TEST_F(Export, NumpyReadsTheSameArraysAndComputesTheEngineEnergy) {
  const std::string python = python_with_numpy();
  ASSERT_FALSE(python.empty()) << "no python3 with NumPy: apt-get install python3-numpy "
                                  "(scripts/test installs it)";
  testing::TempDir dir;

  // Default output: dbm.npz in the run folder, its path the one line on stdout.
  const auto npz = run_train_dbm({"export", "--model", run_dir_.string(), "--format", "npz"});
  ASSERT_EQ(npz.exit_code, 0) << npz.err;
  EXPECT_EQ(npz.out, (run_dir_ / "dbm.npz").string() + "\n");
  const auto json = run_train_dbm({"export", "--model", (run_dir_ / "dbm.cereal").string(),
                                   "--format", "json", "--out", (dir / "model.json").string()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, (dir / "model.json").string() + "\n");
  const auto inspect = run_train_dbm({"inspect", "--json", "--model", run_dir_.string()});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  testing::write_bytes(dir / "inspect.json", inspect.out);

  // Random joint states, binary and fractional (the energy is multilinear, so both
  // check the same conventions), scored by the engine.
  const auto model = io::load_model(run_dir_);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<std::vector<Matrix>> states;
  std::vector<double> energies;
  for (int s = 0; s < 6; ++s) {
    std::vector<Matrix> state;
    for (Index l = 0; l <= model.dbm.n_layers(); ++l) {
      Matrix x(1, model.dbm.layer_size(l));
      for (Index i = 0; i < x.size(); ++i) {
        x(i) = s < 4 ? (uniform(rng) < 0.5f ? 1.0f : 0.0f) : uniform(rng);
      }
      state.push_back(x);
    }
    energies.push_back(model.dbm.energy(state)(0));
    states.push_back(std::move(state));
  }
  testing::write_bytes(dir / "expected.json", expected_json(model, states, energies));

  const auto check = testing::run_command(
      python,
      {std::string(DBM_SOURCE_DIR) + "/tests/e2e/check_export.py", "--npz",
       (run_dir_ / "dbm.npz").string(), "--json", (dir / "model.json").string(), "--expected",
       (dir / "expected.json").string(), "--inspect", (dir / "inspect.json").string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("energies of 6 states agree"), std::string::npos) << check.out;
}

TEST_F(Export, SameModelGivesByteIdenticalFiles) {
  testing::TempDir dir;
  for (const char* format : {"npz", "json"}) {
    for (const char* name : {"one", "two"}) {
      const auto result = run_train_dbm({"export", "--model", run_dir_.string(), "--format", format,
                                         "--out", (dir / name).string()});
      ASSERT_EQ(result.exit_code, 0) << result.err;
    }
    EXPECT_EQ(testing::read_bytes(dir / "one"), testing::read_bytes(dir / "two")) << format;
  }
}

TEST_F(Export, OutFolderGetsTheDefaultFileName) {
  testing::TempDir dir;
  const auto result = run_train_dbm(
      {"export", "--model", run_dir_.string(), "--format", "json", "--out", dir.path().string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(dir / "dbm_weights.json"));
}

TEST_F(Export, UnwritableOutExitsOneWithOneLineNamingTheFile) {
  testing::TempDir dir;
  testing::write_bytes(dir / "a-file", "not a folder");
  const auto out = dir / "a-file" / "dbm.npz";
  const auto result = run_train_dbm(
      {"export", "--model", run_dir_.string(), "--format", "npz", "--out", out.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(out.string()), std::string::npos) << result.err;
  EXPECT_EQ(count_lines(result.err), 1u) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;

  const auto missing_folder = run_train_dbm({"export", "--model", run_dir_.string(), "--format",
                                             "npz", "--out", (dir / "no" / "x.npz").string()});
  EXPECT_EQ(missing_folder.exit_code, 1);
  EXPECT_NE(missing_folder.err.find("x.npz"), std::string::npos) << missing_folder.err;
  EXPECT_NE(missing_folder.err.find("does not exist; create the folder"), std::string::npos)
      << missing_folder.err;
  EXPECT_EQ(count_lines(missing_folder.err), 1u) << missing_folder.err;
}

TEST_F(Export, RefusesToOverwriteTheModelItself) {
  for (const char* own : {"dbm.cereal", "dbm.json"}) {
    const auto result = run_train_dbm({"export", "--model", run_dir_.string(), "--format", "json",
                                       "--out", (run_dir_ / own).string()});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find(own), std::string::npos) << result.err;
  }
  EXPECT_NO_THROW(io::load_model(run_dir_));
}

TEST_F(Export, BadFormatIsAUsageError) {
  const auto result = run_train_dbm({"export", "--model", run_dir_.string(), "--format", "csv"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--format"), std::string::npos) << result.err;
}

TEST(ExportErrors, MissingAndCorruptedModelsExitOneWithOneLine) {
  testing::TempDir dir;
  const auto missing =
      run_train_dbm({"export", "--model", (dir / "nothing").string(), "--format", "npz"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find((dir / "nothing").string()), std::string::npos) << missing.err;
  EXPECT_EQ(count_lines(missing.err), 1u) << missing.err;

  testing::write_bytes(dir / "run" / "dbm.cereal", std::string("RAIN_DBM\x01\0\0\0garbage", 19));
  const auto corrupted =
      run_train_dbm({"export", "--model", (dir / "run").string(), "--format", "npz"});
  EXPECT_EQ(corrupted.exit_code, 1);
  EXPECT_NE(corrupted.err.find("dbm.cereal"), std::string::npos) << corrupted.err;
  EXPECT_EQ(count_lines(corrupted.err), 1u) << corrupted.err;
  EXPECT_FALSE(fs::exists(dir / "run" / "dbm.npz"));
}

}  // namespace
}  // namespace dbm
