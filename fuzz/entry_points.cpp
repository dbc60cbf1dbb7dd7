#include "entry_points.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dbm/core/error.hpp"
#include "dbm/data/idx.hpp"
#include "dbm/data/pgm.hpp"
#include "dbm/io/model_file.hpp"

namespace dbm::fuzz {
namespace {

namespace fs = std::filesystem;

// An inconsistent result is a bug like a crash: abort so libFuzzer keeps the input.
void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

fs::path scratch_folder() {
  std::error_code error;
  if (fs::is_directory("/dev/shm", error) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return fs::temp_directory_path();
}

// `data` written to a per-process scratch file for the lifetime of the object.
class ScratchFile {
 public:
  ScratchFile(const char* tag, const std::uint8_t* data, std::size_t size)
      : path_(scratch_folder() / ("dbm-fuzz-" + std::to_string(::getpid()) + "-" + tag)) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    require(static_cast<bool>(out), "cannot write the scratch file");
  }
  ~ScratchFile() {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

template <class Read>
void expect_only_dbm_errors(Read&& read) {
  try {
    read();
  } catch (const dbm::Error&) {
    // The documented way to reject bad input.
  }
}

void check_images(const data::IdxImages& images, Index limit) {
  require(images.count > 0 && images.rows > 0 && images.cols > 0, "IDX shape not positive");
  require(limit == 0 || images.count <= limit, "IDX limit not honoured");
  require(
      images.pixels.size() == static_cast<std::size_t>(images.count * images.rows * images.cols),
      "IDX pixel count disagrees with count x rows x cols");
}

}  // namespace

void run_idx(const std::uint8_t* data, std::size_t size) {
  const ScratchFile file("idx", data, size);
  for (const Index limit : {Index{0}, Index{1}}) {
    expect_only_dbm_errors([&] { check_images(data::read_idx_images(file.path(), limit), limit); });
    expect_only_dbm_errors([&] {
      const auto labels = data::read_idx_labels(file.path(), limit);
      require(!labels.empty(), "IDX labels empty");
      require(limit == 0 || labels.size() <= static_cast<std::size_t>(limit),
              "IDX label limit not honoured");
    });
  }
}

void run_pgm(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  expect_only_dbm_errors([&] {
    const data::GreyImage image = data::parse_pgm(bytes, "fuzz.pgm");
    require(image.width > 0 && image.height > 0, "PGM shape not positive");
    require(image.pixels.size() == static_cast<std::size_t>(image.width) * image.height,
            "PGM pixel count disagrees with width x height");
    for (const float pixel : image.pixels) {
      require(std::isfinite(pixel) && pixel >= 0.0f && pixel <= 1.0f, "PGM sample outside [0,1]");
    }
  });
}

void run_model(const std::uint8_t* data, std::size_t size) {
  const ScratchFile file("model.cereal", data, size);
  expect_only_dbm_errors([&] {
    const io::ModelFile model = io::load_model(file.path());
    try {
      io::validate_model(model, file.path());
    } catch (const dbm::Error&) {
      require(false, "load_model returned a model that validate_model rejects");
    }
    require(!io::metadata_json(model).empty(), "empty metadata JSON");
  });
}

EntryPoint entry_point(std::string_view target) {
  if (target == "idx") return run_idx;
  if (target == "pgm") return run_pgm;
  if (target == "model") return run_model;
  return nullptr;
}

}  // namespace dbm::fuzz
