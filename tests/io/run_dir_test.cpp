#include "dbm/io/run_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "dbm/core/error.hpp"
#include "support/temp_dir.hpp"

namespace dbm::io {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using dbm::testing::TempDir;
using dbm::testing::write_bytes;

// Sets TZ for the lifetime of the object.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

std::string message_of(const fs::path& models_dir, const std::string& name) {
  try {
    create_run_folder(models_dir, name);
  } catch (const OutputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no OutputError for " << models_dir;
  return "";
}

TEST(RunDir, NameIsLocalTimeThenDimensionsThenData) {
  const auto start = sys_days{2024y / March / 5} + 13h + 7min + 9s + 600ms;
  {
    ScopedTimeZone utc("UTC0");
    EXPECT_EQ(run_folder_name(start, {784, 500, 1000}, "mnist"),
              "2024_03_05_13_07_09_784_500_1000_mnist_dbm");
  }
  {
    ScopedTimeZone new_york("EST5");  // UTC-5, no daylight saving
    EXPECT_EQ(run_folder_name(start, {784, 500, 1000}, "mnist"),
              "2024_03_05_08_07_09_784_500_1000_mnist_dbm");
  }
  {
    ScopedTimeZone tokyo("JST-9");  // UTC+9: crosses midnight and the year
    EXPECT_EQ(run_folder_name(sys_days{2023y / December / 31} + 20h, {16, 8}, "bars_and_stripes"),
              "2024_01_01_05_00_00_16_8_bars_and_stripes_dbm");
  }
}

TEST(RunDir, CreatesModelsFolderAndRunFolder) {
  TempDir dir;
  const auto models = dir / "deep" / "models";
  const auto run = create_run_folder(models, "2024_03_05_13_07_09_4_2_mnist_dbm");
  EXPECT_EQ(run, models / "2024_03_05_13_07_09_4_2_mnist_dbm");
  EXPECT_TRUE(fs::is_directory(run));
  EXPECT_TRUE(fs::is_empty(run));  // the write probe was removed
}

TEST(RunDir, AddsASuffixWhenTheNameIsTaken) {
  TempDir dir;
  const std::string name = "2024_03_05_13_07_09_4_2_mnist_dbm";
  EXPECT_EQ(create_run_folder(dir.path(), name), dir / name);
  EXPECT_EQ(create_run_folder(dir.path(), name), dir / (name + "_2"));
  write_bytes(dir / (name + "_3"), "a file, not a folder");
  EXPECT_EQ(create_run_folder(dir.path(), name), dir / (name + "_4"));
}

TEST(RunDir, ModelsFolderBelowARegularFileIsAnError) {
  // Root ignores permission bits, but nobody can create a folder inside a file.
  TempDir dir;
  write_bytes(dir / "plain", "x");
  const auto message = message_of(dir / "plain" / "models", "run");
  EXPECT_NE(message.find((dir / "plain" / "models").string()), std::string::npos) << message;
  EXPECT_NE(message.find("choose another with --models-dir"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "plain" / "models"));
}

TEST(RunDir, ModelsFolderThatIsAFileIsAnError) {
  TempDir dir;
  write_bytes(dir / "models", "x");
  const auto message = message_of(dir / "models", "run");
  EXPECT_NE(message.find("models folder '" + (dir / "models").string() + "'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--models-dir"), std::string::npos) << message;
}

TEST(RunDir, ReadOnlyModelsFolderIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores permission bits";
  TempDir dir;
  const auto models = dir / "models";
  fs::create_directory(models);
  fs::permissions(models, fs::perms::owner_read | fs::perms::owner_exec);
  const auto message = message_of(models, "run");
  EXPECT_NE(message.find("models folder '" + models.string() +
                         "' is not writable (Permission denied); choose another with "
                         "--models-dir"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace dbm::io
