#include "dbm/io/run_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

#include "dbm/core/error.hpp"

namespace dbm::io {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxSuffix = 10000;

std::string quote(const fs::path& path) {
  // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "'" + s + "'".
  std::string text(1, '\'');
  text += path.string();
  text += '\'';
  return text;
}

// Throws "<head> '<path>'<tail> (<reason>); choose another with --models-dir".
[[noreturn]] void fail(const std::string& head, const fs::path& path, const std::string& tail,
                       const std::error_code& ec) {
  throw OutputError(head + " " + quote(path) + tail + " (" + ec.message() +
                    "); choose another with --models-dir");
}

// Creates and removes a file in `folder`; returns the error, if any.
std::error_code probe_writable(const fs::path& folder) {
  const fs::path probe = folder / (".write_test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return {errno, std::generic_category()};
  std::error_code ec;
  if (::close(fd) != 0) ec.assign(errno, std::generic_category());
  if (::unlink(probe.c_str()) != 0 && !ec) ec.assign(errno, std::generic_category());
  return ec;
}

}  // namespace

std::string run_folder_name(std::chrono::system_clock::time_point start,
                            const std::vector<int>& dimensions, const std::string& data_name) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(start);
  // POSIX does not promise that localtime_r reads TZ, so load it first.
  ::tzset();
  std::tm local{};
  ::localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y_%m_%d_%H_%M_%S", &local);
  std::string name = stamp;
  for (int size : dimensions) {
    name += '_';
    name += std::to_string(size);
  }
  name += '_';
  name += data_name;
  name += "_dbm";
  return name;
}

fs::path create_run_folder(const fs::path& models_dir, const std::string& name) {
  std::error_code ec;
  fs::create_directories(models_dir, ec);
  if (ec) fail("cannot create the models folder", models_dir, "", ec);
  if (!fs::is_directory(models_dir, ec)) {
    fail("the models folder", models_dir, " is not a folder",
         std::make_error_code(std::errc::not_a_directory));
  }

  fs::path run;
  for (int n = 1; n <= kMaxSuffix && run.empty(); ++n) {
    const fs::path candidate = models_dir / (n == 1 ? name : name + "_" + std::to_string(n));
    // mkdir is atomic, so two runs started in the same second get different folders.
    if (fs::create_directory(candidate, ec)) {
      run = candidate;
    } else if (!fs::exists(fs::symlink_status(candidate))) {
      if (!ec) ec = std::make_error_code(std::errc::io_error);
      if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system) {
        fail("models folder", models_dir, " is not writable", ec);
      }
      fail("cannot create the run folder", candidate, "", ec);
    }
  }
  if (run.empty()) {
    fail("cannot create the run folder", models_dir / name, " or any numbered variant",
         std::make_error_code(std::errc::file_exists));
  }

  if (const auto error = probe_writable(run)) {
    fs::remove(run, ec);
    fail("run folder", run, " is not writable", error);
  }
  return run;
}

}  // namespace dbm::io
