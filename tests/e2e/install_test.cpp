// End-to-end: `cmake --install` of this build tree into a temporary prefix, then
// examples/embed configured with find_package(dbm) against that prefix, built, and run
// on models trained by the real executable.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "dbm/io/model_file.hpp"
#include "dbm/model/dbm.hpp"
#include "dbm/model/rbm.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

fs::path train_bars(const fs::path& models, const std::string& dims) {
  const auto run = testing::run_train_dbm({"--data", "bars_and_stripes", "-d", dims, "--epochs",
                                           "2", "--batch-size", "5", "--seed", "1", "--threads",
                                           "1", "--models-dir", models.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return run.out.substr(0, run.out.find('\n'));
}

// The number after "free energy " in embed_dbm's output.
double printed_free_energy(const std::string& out) {
  const auto at = out.find("free energy ");
  if (at == std::string::npos) return NAN;
  return std::stod(out.substr(at + 12));
}

// The DBM's mean-field free energy E(v, mu) - H(mu), computed here independently of
// the example.
double mean_field_free_energy(const io::ModelFile& model, const Matrix& v) {
  model::DbmWorkspace ws;
  ws.resize(model.dbm, 1);
  ws.layers[0] = v;
  model::mean_field(model.dbm, ws, model.config.mean_field_steps,
                    model.config.mean_field_tolerance);
  double entropy = 0.0;
  for (size_t l = 1; l < ws.layers.size(); ++l) {
    for (Index i = 0; i < ws.layers[l].size(); ++i) {
      const double p = ws.layers[l](i);
      if (p > 0 && p < 1) entropy -= p * std::log(p) + (1 - p) * std::log(1 - p);
    }
  }
  return model.dbm.energy(ws.layers)(0) - entropy;
}

TEST(Install, EmbedExampleBuildsAgainstTheInstalledPackageAndRuns) {
  testing::TempDir dir;
  const fs::path prefix = dir / "prefix";
  const fs::path build = dir / "build-embed";

  const auto install =
      run_command(DBM_CMAKE_COMMAND, {"--install", DBM_BUILD_DIR, "--prefix", prefix.string()});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  for (const char* file :
       {"bin/train_dbm", "lib/libdbm.a", "include/dbm/io/model_file.hpp",
        "include/dbm/io/export.hpp", "lib/cmake/dbm/dbmConfig.cmake",
        "lib/cmake/dbm/dbmConfigVersion.cmake", "lib/cmake/dbm/dbmTargets.cmake"}) {
    EXPECT_TRUE(fs::exists(prefix / file)) << file;
  }
  const auto version = run_command((prefix / "bin" / "train_dbm").string(), {"--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;

  const auto configure =
      run_command(DBM_CMAKE_COMMAND,
                  {"-S", std::string(DBM_SOURCE_DIR) + "/examples/embed", "-B", build.string(),
                   "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_PREFIX_PATH=" + prefix.string()});
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  const auto compile = run_command(DBM_CMAKE_COMMAND, {"--build", build.string(), "-j", "2"});
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  const std::string embed = (build / "embed_dbm").string();

  // A DBM, on the first example of its own data set (bars and stripes, built in).
  const auto dbm_run = train_bars(dir / "models", "16,8,4");
  const auto dbm_result = run_command(embed, {dbm_run.string()});
  ASSERT_EQ(dbm_result.exit_code, 0) << dbm_result.out << dbm_result.err;
  EXPECT_NE(dbm_result.out.find("layers 16-8-4"), std::string::npos) << dbm_result.out;
  const auto dbm_model = io::load_model(dbm_run);
  const Matrix zeros = Matrix::Zero(1, 16);  // bars and stripes example 0: no bar lit
  EXPECT_NEAR(printed_free_energy(dbm_result.out), mean_field_free_energy(dbm_model, zeros), 1e-6)
      << dbm_result.out;

  // An RBM, on a PGM image: its free energy is exact, so it must equal Rbm::free_energy.
  const auto rbm_run = train_bars(dir / "models", "16,8");
  std::string pgm = "P5\n4 4\n255\n";
  Matrix v(1, 16);
  for (int i = 0; i < 16; ++i) {
    pgm += static_cast<char>(i * 17);
    v(0, i) = static_cast<float>(i * 17) / 255.0f;
  }
  testing::write_bytes(dir / "image.pgm", pgm);
  const auto rbm_result = run_command(embed, {rbm_run.string(), (dir / "image.pgm").string()});
  ASSERT_EQ(rbm_result.exit_code, 0) << rbm_result.out << rbm_result.err;
  const auto rbm_model = io::load_model(rbm_run);
  model::Rbm rbm(16, 8);
  rbm.weights = rbm_model.dbm.weights[0];
  rbm.visible_bias = rbm_model.dbm.biases[0];
  rbm.hidden_bias = rbm_model.dbm.biases[1];
  EXPECT_NEAR(printed_free_energy(rbm_result.out), rbm.free_energy(v)(0), 1e-6) << rbm_result.out;

  // Errors in the embedding program are one line and exit 1.
  const auto missing = run_command(embed, {(dir / "nothing").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nothing"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace dbm
