#pragma once
// Entry points shared by the libFuzzer targets (fuzz/*_fuzz.cpp) and the ctest replay
// of the corpora (tests/data/fuzz_regression_test.cpp), so that a crashing input found
// by the fuzzer is replayed through exactly the code that found it.
//
// Contract under test: the IDX reader, the PGM reader and the model loader accept any
// bytes at all and either return a consistent result or throw a dbm::Error (DataError,
// ModelFileError). Each function below feeds `data` to one reader, swallows dbm::Error
// and checks the result of a successful parse; anything else is a bug and escapes:
//   - another exception type (std::bad_alloc, std::length_error, a cereal exception...)
//     propagates to the caller (libFuzzer then aborts and saves the input);
//   - an inconsistent result (a pixel count that disagrees with the shape, a sample
//     outside [0, 1], a model that fails validate_model) calls std::abort();
//   - memory errors and undefined behaviour are caught by ASan/UBSan in the fuzz and
//     sanitizer builds.
//
// The IDX reader and the model loader read files (zlib's gzopen for IDX), so their
// entry points write `data` to a scratch file first: in /dev/shm when it exists (no
// disk traffic), else the system temp folder; one file per process and reader,
// overwritten by every call and removed at exit.
//
// Folder layout (one sub-folder per target: idx, pgm, model):
//   fuzz/corpus/<target>/       small valid seeds (regenerate with fuzz/make_corpus)
//   fuzz/regressions/<target>/  inputs that once crashed a reader or that pin a limit;
//                               every file in both folders is replayed by ctest.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dbm::fuzz {

// read_idx_images and read_idx_labels on `data` (raw or gzip), each whole and with
// a limit of one item.
void run_idx(const std::uint8_t* data, std::size_t size);

// parse_pgm on `data` (P2 or P5).
void run_pgm(const std::uint8_t* data, std::size_t size);

// load_model on `data` as a dbm.cereal file, then metadata_json on the result.
void run_model(const std::uint8_t* data, std::size_t size);

// The entry point for a corpus sub-folder name ("idx", "pgm", "model"), or nullptr.
using EntryPoint = void (*)(const std::uint8_t*, std::size_t);
EntryPoint entry_point(std::string_view target);

}  // namespace dbm::fuzz
