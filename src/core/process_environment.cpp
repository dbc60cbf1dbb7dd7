#include "dbm/core/process_environment.hpp"

#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace dbm {
namespace {

// Set on the re-executed process: a program re-executes itself at most once, even
// where the settings do not stick (glibc drops GLIBC_TUNABLES for setuid programs).
constexpr const char* kMarker = "DBM_ENGINE_ENVIRONMENT";

// Whether /proc/self/exe is the file this code was loaded from. It is not when the
// program was started by the dynamic loader (`ld.so train_dbm`) or under valgrind:
// re-executing /proc/self/exe would then start the loader or valgrind itself.
bool proc_self_exe_is_this_program() {
  struct stat exe {};
  if (stat("/proc/self/exe", &exe) != 0) return false;
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return false;
  const auto here = reinterpret_cast<std::uintptr_t>(&proc_self_exe_is_this_program);
  bool same = false;
  char line[4096];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    std::uintptr_t begin = 0, end = 0;
    unsigned device_major = 0, device_minor = 0;
    unsigned long long inode = 0;
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*s %x:%x %llu", &begin, &end,
                    &device_major, &device_minor, &inode) == 5 &&
        begin <= here && here < end) {
      same = inode == exe.st_ino && device_major == major(exe.st_dev) &&
             device_minor == minor(exe.st_dev);
      break;
    }
  }
  std::fclose(maps);
  return same;
}

}  // namespace

void reexec_with_engine_environment(char** argv) {
  if (std::getenv(kMarker) != nullptr || getauxval(AT_SECURE) != 0) return;
  const bool set_waits =
      std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const bool set_tunables =
      tunables == nullptr || std::strstr(tunables, "glibc.malloc.hugetlb") == nullptr;
  if (!(set_waits || set_tunables) || !proc_self_exe_is_this_program()) return;

  // Only now the environment changes, so that a program that cannot re-execute
  // (and so runs with the settings it started with) also reports those.
  const std::string old_tunables = tunables != nullptr ? tunables : "";
  if (set_waits) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    setenv("GOMP_SPINCOUNT", "1000", 1);
  }
  if (set_tunables) {
    const std::string hugetlb = "glibc.malloc.hugetlb=1";
    setenv("GLIBC_TUNABLES", old_tunables.empty() ? hugetlb.c_str()
                                                  : (old_tunables + ":" + hugetlb).c_str(), 1);
  }
  setenv(kMarker, "1", 1);
  execv("/proc/self/exe", argv);
  // The re-execution failed: carry on as we are, with the environment as it was.
  if (set_waits) {
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("GOMP_SPINCOUNT");
  }
  if (set_tunables) {
    if (tunables != nullptr) setenv("GLIBC_TUNABLES", old_tunables.c_str(), 1);
    else unsetenv("GLIBC_TUNABLES");
  }
  unsetenv(kMarker);
}

}  // namespace dbm
