// End-to-end: the real train_dbm executable on real data and real files.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dbm/io/model_file.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace dbm {
namespace {

namespace fs = std::filesystem;
using testing::run_train_dbm;

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

bool fashion_available() { return fs::exists(fs::path(kFashionDir) / "train-images-idx3-ubyte.gz"); }

size_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

std::vector<std::string> tiny_fashion_run(const fs::path& models, const std::string& seed,
                                          const std::string& threads) {
  return {"--data", "fashion_mnist", "--data-dir", (models / "no-data").string(), "--models-dir",
          models.string(), "-d", "784,64,32", "--limit", "300", "--epochs", "2", "--batch-size",
          "50", "--seed", seed, "--threads", threads, "--particles", "20"};
}

TEST(Cli, HelpAndVersionExitZero) {
  const auto help = run_train_dbm({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--dimensions"), std::string::npos);
  EXPECT_NE(help.out.find("inspect"), std::string::npos);
  const auto version = run_train_dbm({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("train_dbm " DBM_VERSION), std::string::npos);
}

TEST(Cli, TrainsOnFashionMnistWritesTheRunFolderAndInspectReadsIt) {
  if (!fashion_available()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  testing::TempDir models;
  const auto run = run_train_dbm(tiny_fashion_run(models.path(), "7", "2"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // stdout carries exactly one line: the run folder.
  ASSERT_EQ(count_lines(run.out), 1u) << run.out;
  const fs::path run_dir = run.out.substr(0, run.out.size() - 1);
  EXPECT_EQ(run_dir.parent_path(), models.path());
  EXPECT_NE(run_dir.filename().string().find("_784_64_32_fashion_mnist_dbm"), std::string::npos);
  EXPECT_TRUE(fs::exists(run_dir / "dbm.cereal"));
  EXPECT_TRUE(fs::exists(run_dir / "dbm.json"));
  EXPECT_TRUE(fs::exists(run_dir / "train.log"));
  EXPECT_NE(run.err.find("RBM 2 epoch 2"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("DBM epoch 2"), std::string::npos) << run.err;
  EXPECT_NE(testing::read_bytes(run_dir / "train.log").find("seed 7"), std::string::npos);

  const auto inspect = run_train_dbm({"inspect", "--model", run_dir.string()});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("784-64-32"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("fashion_mnist, 300 examples"), std::string::npos) << inspect.out;
  const auto json = run_train_dbm({"inspect", "--json", "--model", (run_dir / "dbm.cereal").string()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"dimensions\""), std::string::npos);

  const auto model = io::load_model(run_dir);
  EXPECT_EQ(model.dbm.dimensions(), (std::vector<int>{784, 64, 32}));
  EXPECT_EQ(model.config.seed, 7u);
  EXPECT_EQ(model.particles.size(), 3u);
}

TEST(Cli, SameSeedGivesIdenticalModelsAtOneAndTwoThreads) {
  if (!fashion_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::TempDir models_one, models_two;
  const auto one = run_train_dbm(tiny_fashion_run(models_one.path(), "11", "1"));
  const auto two = run_train_dbm(tiny_fashion_run(models_two.path(), "11", "2"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  const auto a = io::load_model(one.out.substr(0, one.out.size() - 1));
  const auto b = io::load_model(two.out.substr(0, two.out.size() - 1));
  for (size_t l = 0; l < a.dbm.weights.size(); ++l) EXPECT_TRUE(a.dbm.weights[l] == b.dbm.weights[l]);
  for (size_t l = 0; l < a.dbm.biases.size(); ++l) EXPECT_TRUE(a.dbm.biases[l] == b.dbm.biases[l]);
  for (size_t l = 0; l < a.particles.size(); ++l) EXPECT_TRUE(a.particles[l] == b.particles[l]);
}

struct BadUsage {
  std::vector<std::string> args;
  std::string expected_message;
};

class CliBadUsage : public ::testing::TestWithParam<BadUsage> {};

TEST_P(CliBadUsage, ExitsTwoWithAClearMessageAndWritesNothing) {
  testing::TempDir models;
  std::vector<std::string> args = GetParam().args;
  args.insert(args.end(), {"--models-dir", (models.path() / "m").string()});
  const auto result = run_train_dbm(args);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(GetParam().expected_message), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_FALSE(fs::exists(models.path() / "m"));
}

INSTANTIATE_TEST_SUITE_P(
    BadCommandLines, CliBadUsage,
    ::testing::Values(
        BadUsage{{"-d", "784"}, "has one size"},
        BadUsage{{"-d", "784,0"}, "layer size 0"},
        BadUsage{{"-d", "784,abc"}, "'abc'"},
        BadUsage{{"-d", "500,500"}, "must equal the 784 pixels"},
        BadUsage{{"-d", "784,500", "--batch-size", "0"}, "--batch-size"},
        BadUsage{{"-d", "784,500", "--k1", "-1"}, "--k1"},
        BadUsage{{"-d", "784,500", "--k2", "-3"}, "--k2"},
        BadUsage{{"-d", "784,500", "--k2", "200000"}, "--k2"},
        BadUsage{{"-d", "784,500", "--k3", "-1"}, "--k3"},
        BadUsage{{"-d", "784,500", "--learning-rate", "nan"}, "--learning-rate"},
        BadUsage{{"-d", "784,500", "--learning-rate", "abc"}, "--learning-rate"},
        BadUsage{{"-d", "784,500", "--data", "cifar"}, "--data"},
        BadUsage{{"-d", "784,500", "--log-level", "loud"}, "--log-level"},
        BadUsage{{"-d", "784,500", "--no-such-flag"}, "--no-such-flag"},
        BadUsage{{"-d", "784,500", "--threads", "100000"}, "--threads"},
        BadUsage{{"-d", "784,500", "--epochs", "2", "--cd-epochs", "3"}, "--cd-epochs"},
        BadUsage{{"-d", "784,500", "--cd-epochs", "-2"}, "--cd-epochs"},
        BadUsage{{"-d", "784,500", "--cd-epochs", "-1"}, "must be 0 or more, got -1"},
        BadUsage{{"-d", "784,500", "--finetune-epochs", "-1"}, "must be 0 or more, got -1"},
        BadUsage{{"-d", "784,500", "--binarize-data=maybe"}, "--binarize-data"},
        BadUsage{{"-d", "784,1048576,1048576"}, "weights are more than this tool supports"},
        BadUsage{{"--epochs", "3"}, "--dimensions is required"}));

TEST(Cli, DefaultsOpenMpWaitsAndHugePagesButKeepsWhatTheUserSet) {
  testing::TempDir dir;
  const std::vector<std::string> train = {"train_dbm", "--data", "bars_and_stripes", "-d",
                                          "16,4", "--epochs", "1", "--seed", "1", "--log-level",
                                          "debug", "--models-dir", dir.path().string()};
  auto with_env = [&](std::vector<std::string> env_args) {
    env_args.push_back(DBM_TRAIN_DBM_EXE);
    env_args.insert(env_args.end(), train.begin() + 1, train.end());
    return testing::run_command("/usr/bin/env", env_args);
  };
  const auto defaults = with_env({"-u", "OMP_WAIT_POLICY", "-u", "GOMP_SPINCOUNT", "-u", "GLIBC_TUNABLES"});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.err;
  EXPECT_NE(defaults.err.find("environment: OMP_WAIT_POLICY=passive GOMP_SPINCOUNT=1000 "
                              "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"),
            std::string::npos)
      << defaults.err;
  const auto own = with_env({"-u", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY=active",
                             "GLIBC_TUNABLES=glibc.malloc.check=0"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_NE(own.err.find("environment: OMP_WAIT_POLICY=active GOMP_SPINCOUNT=(unset) "
                         "GLIBC_TUNABLES=glibc.malloc.check=0:glibc.malloc.hugetlb=1"),
            std::string::npos)
      << own.err;
}

// Divergence, both ways it shows: NaN or infinite parameters within a mini-batch,
// and finite parameters far too large (caught at the end of the epoch). Either is
// one error line naming the flag to lower, exit 1, and no model file.
TEST(Cli, DivergedTrainingExitsOneNamesTheLearningRateAndSavesNoModel) {
  struct Case {
    std::vector<std::string> rates;
    std::string batch_size;
    std::string message;
  };
  for (const Case& c : {Case{{"--learning-rate", "1e30"}, "5", "NaN or infinite parameters"},
                        Case{{"--learning-rate", "1e6"}, "100", "parameters beyond 1e6 in size"},
                        Case{{"--finetune-learning-rate", "1e6"}, "100",
                             "joint DBM training diverged"}}) {
    testing::TempDir models;
    std::vector<std::string> args = {"--data", "bars_and_stripes", "-d", "16,20,10",
                                     "--batch-size", c.batch_size, "--epochs", "2",
                                     "--finetune-epochs", "2", "--seed", "1",
                                     "--models-dir", models.path().string()};
    args.insert(args.end(), c.rates.begin(), c.rates.end());
    const auto result = run_train_dbm(args);
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("try a smaller " + c.rates[0] + " than 1e+"), std::string::npos)
        << result.err;
    for (const auto& entry : fs::recursive_directory_iterator(models.path())) {
      EXPECT_NE(entry.path().filename(), "dbm.cereal") << entry.path();
    }
  }
}

// The re-execution that sets those defaults happens at most once, and not at all
// when /proc/self/exe is another program (here the dynamic loader that started
// train_dbm): the environment is then left as it was, and the log says so.
TEST(Cli, NeverReexecutesTwiceOrAnotherProgram) {
  testing::TempDir dir;
  const std::vector<std::string> train = {"--data", "bars_and_stripes", "-d", "16,4",
                                          "--epochs", "1", "--seed", "1", "--log-level",
                                          "debug", "--models-dir", dir.path().string()};
  const std::string unset = "environment: OMP_WAIT_POLICY=(unset) GOMP_SPINCOUNT=(unset) "
                            "GLIBC_TUNABLES=(unset)";
  std::vector<std::string> marked = {"-u", "OMP_WAIT_POLICY", "-u", "GOMP_SPINCOUNT", "-u",
                                     "GLIBC_TUNABLES", "DBM_ENGINE_ENVIRONMENT=1",
                                     DBM_TRAIN_DBM_EXE};
  marked.insert(marked.end(), train.begin(), train.end());
  const auto already = testing::run_command("/usr/bin/env", marked);
  ASSERT_EQ(already.exit_code, 0) << already.err;
  EXPECT_NE(already.err.find(unset), std::string::npos) << already.err;

  const std::string loader = "/lib64/ld-linux-x86-64.so.2";
  if (!fs::exists(loader)) GTEST_SKIP() << loader << " not found";
  std::vector<std::string> through_loader = {"-u", "OMP_WAIT_POLICY", "-u", "GOMP_SPINCOUNT",
                                             "-u", "GLIBC_TUNABLES", loader, DBM_TRAIN_DBM_EXE};
  through_loader.insert(through_loader.end(), train.begin(), train.end());
  const auto loaded = testing::run_command("/usr/bin/env", through_loader);
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.err.find(unset), std::string::npos) << loaded.err;
}

TEST(Cli, UnknownKeyInAConfigFileIsAUsageError) {
  testing::TempDir dir;
  testing::write_bytes(dir / "run.toml", "dimensions = \"784,10\"\nbatch_size = 10\n");
  const auto result = run_train_dbm({"--config", (dir / "run.toml").string(), "--models-dir",
                                     (dir / "m").string()});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("batch_size"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(dir / "m"));
}

TEST(Cli, MissingDataSetExitsOneNamesTheFolderAndCreatesNoRun) {
  testing::TempDir dir;
  const auto result = run_train_dbm({"-d", "784,100", "--data", "mnist", "--data-dir",
                                     (dir / "data").string(), "--models-dir", (dir / "models").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("fetch-data"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find((dir / "data").string()), std::string::npos) << result.err;
  EXPECT_EQ(count_lines(result.err), 1u) << result.err;
  EXPECT_FALSE(fs::exists(dir / "models"));
}

TEST(Cli, UnwritableModelsFolderExitsOneBeforeTraining) {
  if (!fashion_available()) GTEST_SKIP() << "Fashion-MNIST not installed";
  testing::TempDir dir;
  testing::write_bytes(dir / "a-file", "not a folder");
  auto args = tiny_fashion_run(dir / "a-file", "1", "1");
  const auto result = run_train_dbm(args);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("a-file"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("RBM 1 epoch"), std::string::npos) << "trained before failing";
}

TEST(Cli, InspectRejectsMissingAndCorruptedModels) {
  testing::TempDir dir;
  const auto missing = run_train_dbm({"inspect", "--model", (dir / "nothing").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nothing"), std::string::npos) << missing.err;

  testing::write_bytes(dir / "run" / "dbm.cereal", "<html>not a model</html>");
  const auto corrupted = run_train_dbm({"inspect", "--model", (dir / "run").string()});
  EXPECT_EQ(corrupted.exit_code, 1);
  EXPECT_NE(corrupted.err.find("dbm.cereal"), std::string::npos) << corrupted.err;
  EXPECT_EQ(count_lines(corrupted.err), 1u) << corrupted.err;
}

}  // namespace
}  // namespace dbm

namespace dbm {
namespace {

const std::filesystem::path kAttFaces = std::filesystem::path(DBM_SHARED_DATA_DIR) / "att_faces";

TEST(CliFaces, TrainsOnRealPgmFacesAndWritesAModel) {
  if (!std::filesystem::exists(kAttFaces)) {
    GTEST_SKIP() << "../shared/data/att_faces is absent in this checkout";
  }
  testing::TempDir models;
  const auto run = testing::run_train_dbm(
      {"--data", "faces", "--faces-dir", kAttFaces.string(), "-d", "784,100,50", "--epochs", "2",
       "--limit", "200", "--batch-size", "20", "--seed", "3", "--models-dir", models.path().string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string run_dir = run.out.substr(0, run.out.size() - 1);
  EXPECT_NE(run_dir.find("_784_100_50_faces_dbm"), std::string::npos) << run_dir;
  const auto model = io::load_model(run_dir);
  EXPECT_EQ(model.data.name, "faces");
  EXPECT_EQ(model.data.n_examples, 200);
  EXPECT_EQ(model.data.image_width, 28);
}

TEST(CliFaces, FirstDimensionMustMatchTheImageSize) {
  testing::TempDir models;
  const auto run = testing::run_train_dbm({"--data", "faces", "--faces-dir", kAttFaces.string(),
                                           "--image-size", "64", "-d", "784,100",
                                           "--models-dir", models.path().string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("4096"), std::string::npos) << run.err;
}

TEST(CliFaces, EmptyFacesFolderSaysWhereItLookedAndHowToGetLfwCrop) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "faces");
  const auto run = testing::run_train_dbm({"--data", "faces", "--data-dir", dir.path().string(),
                                           "-d", "784,100", "--models-dir", (dir / "m").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find((dir / "faces").string()), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("lfwcrop"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m"));
}

}  // namespace
}  // namespace dbm
