// Replays every fuzz seed (fuzz/corpus/<target>/) and every saved crash or limit input
// (fuzz/regressions/<target>/) through the fuzz targets' own entry points
// (fuzz/entry_points.hpp), in every build: a reader must reject any input with a
// dbm::Error, never crash, throw anything else or return an inconsistent result.
// Inputs are listed at run time, so a file dropped into a folder is replayed
// without re-running cmake.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <typeinfo>
#include <vector>

#include "entry_points.hpp"
#include "support/temp_dir.hpp"

namespace dbm::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = fs::path(DBM_SOURCE_DIR) / "fuzz";

std::vector<fs::path> files_in(const fs::path& folder) {
  std::vector<fs::path> files;
  if (!fs::is_directory(folder)) return files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != ".gitkeep" && name != "README.md") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs every file of fuzz/<kind>/<target>/ through the target's entry point; returns
// how many there were.
std::size_t replay(const std::string& kind, const std::string& target) {
  const EntryPoint run = entry_point(target);
  EXPECT_NE(run, nullptr) << target;
  if (run == nullptr) return 0;
  const auto files = files_in(kFuzzDir / kind / target);
  for (const auto& file : files) {
    const std::string bytes = testing::read_bytes(file);
    // Printed first, so that a crash (which ends the process) still names its input.
    std::fprintf(stderr, "replaying %s\n", file.string().c_str());
    try {
      run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& error) {
      ADD_FAILURE() << file << ": escaped as " << typeid(error).name() << ": " << error.what();
    } catch (...) {
      ADD_FAILURE() << file << ": escaped as a non-standard exception";
    }
  }
  return files.size();
}

TEST(FuzzCorpus, IdxSeedsAndRegressions) {
  EXPECT_GT(replay("corpus", "idx"), 0u) << "no seeds in fuzz/corpus/idx";
  replay("regressions", "idx");
}

TEST(FuzzCorpus, PgmSeedsAndRegressions) {
  EXPECT_GT(replay("corpus", "pgm"), 0u) << "no seeds in fuzz/corpus/pgm";
  replay("regressions", "pgm");
}

TEST(FuzzCorpus, ModelSeedsAndRegressions) {
  EXPECT_GT(replay("corpus", "model"), 0u) << "no seeds in fuzz/corpus/model";
  replay("regressions", "model");
}

// The folders hold exactly the three targets, so a misnamed folder is not silently
// skipped.
TEST(FuzzCorpus, EveryFolderNamesATarget) {
  for (const char* kind : {"corpus", "regressions"}) {
    for (const auto& entry : fs::directory_iterator(kFuzzDir / kind)) {
      EXPECT_NE(entry_point(entry.path().filename().string()), nullptr) << entry.path();
    }
  }
}

}  // namespace
}  // namespace dbm::fuzz
