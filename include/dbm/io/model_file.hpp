#pragma once
// The model file, dbm.cereal, and its JSON metadata twin, dbm.json (SPEC §5).
//
// Format, version 2 (all integers and floats little-endian):
//
//   offset 0   magic    8 bytes  "RAIN_DBM" (kModelMagic written as a little-endian uint64)
//   offset 8   version  uint32   kModelFormatVersion
//   offset 12  a cereal portable binary archive (its first byte is the endianness flag,
//              always 1 = little-endian) holding one ModelFile:
//                 uint32            ModelFile class version (1)
//                 vector<int>       layer sizes N_0..N_L (uint64 count, then int32s)
//                 uint64 L          then W_1..W_L, each: uint64 rows, uint64 cols, then
//                                   rows*cols float32 in column-major order (N_{l-1} x N_l)
//                 uint64 L+1        then a_0..a_L, each as a matrix of N_l x 1
//                 uint64 0 or L+1   persistent particles, each P x N_l (a checkpoint
//                                   section: sampling and evaluation do not need it)
//                 TrainConfig       (class version, then its fields in serialize() order)
//                 DataInfo          (class version, then name, source, n_examples, width, height)
//                 vector<EpochMetrics> (uint64 count, class version before the first entry)
//                 string engine_version, string created_utc, double training_seconds
//              Strings are a uint64 length and the bytes; every serialised struct carries
//              a cereal class version (CEREAL_CLASS_VERSION below), so a later release can
//              add fields and still read this layout. Any change to the layout also bumps
//              kModelFormatVersion, so that older builds refuse the file instead of
//              misreading it.
//   nothing may follow the archive.
//
// The magic and version sit outside the archive so that any file can be identified
// from its first 12 bytes (`head -c 8 dbm.cereal` prints RAIN_DBM).
//
// Version history:
//   1 — first release.
//   2 — TrainConfig class version 2 adds cd_epochs and binarize_data after its
//       version-1 fields. Version-1 files still load (those fields take the
//       defaults, which is what version 1 did).
//
// Loading reads the whole file, then rejects an unknown magic, a newer version, any
// length or matrix size that is implausible or larger than the bytes that remain
// (checked before anything is allocated, so a corrupted file can never trigger a huge
// allocation), any matrix whose shape disagrees with the stored layer sizes, any
// non-finite parameter, and trailing bytes. Saving validates the model the same way,
// writes a temporary file in the same folder, flushes it to disk (fsync) and renames it
// over the target, so a crash or a full disk never leaves a truncated dbm.cereal and a
// failed save leaves an existing file untouched.

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"
#include "dbm/train/config.hpp"

namespace dbm::io {

inline constexpr std::uint64_t kModelMagic = 0x4D42445F4E494152ULL;
inline constexpr std::uint32_t kModelFormatVersion = 2;

// File names inside a run folder.
inline constexpr const char* kModelFileName = "dbm.cereal";
inline constexpr const char* kMetadataFileName = "dbm.json";

// One line of training history: one epoch of one phase.
struct EpochMetrics {
  std::string phase;                   // "pretrain" or "finetune"
  int layer = 0;                       // pretraining: RBM index 1..L; fine-tuning: 0
  int epoch = 0;                       // 1-based within the phase
  double reconstruction_error = 0.0;   // mean squared error per example
  double learning_rate = 0.0;          // at the end of the epoch
  double mean_field_iterations = 0.0;  // fine-tuning: average sweeps used
  double seconds = 0.0;
  double examples_per_second = 0.0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version);
};

// What the model was trained on.
struct DataInfo {
  std::string name;    // mnist, fashion_mnist, faces, bars_and_stripes
  std::string source;  // path the examples were read from
  long long n_examples = 0;
  int image_width = 0;
  int image_height = 0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version);
};

struct ModelFile {
  train::TrainConfig config;
  model::Dbm dbm;
  std::vector<Matrix> particles;  // empty, or L+1 matrices P x N_l (fantasy particles)
  std::vector<EpochMetrics> metrics;
  DataInfo data;
  std::string engine_version;  // train_dbm version that wrote the file
  std::string created_utc;     // ISO 8601
  double training_seconds = 0.0;
};

// Writes `model` to `file` atomically. Validates it first (as validate_model) and
// refuses to write an inconsistent or non-finite model. Throws dbm::OutputError naming
// the file and the reason (the OS error, or the inconsistent field); on failure the
// temporary file is removed and an existing `file` is left as it was.
void save_model(const std::filesystem::path& file, const ModelFile& model);

// Reads and fully validates a model. `path` is a run folder (dbm.cereal inside) or
// the .cereal file itself. Throws dbm::ModelFileError naming the file.
ModelFile load_model(const std::filesystem::path& path);

// Checks that `model` is internally consistent: at least two layer sizes, L weight
// matrices W_l of N_{l-1} x N_l and L+1 bias vectors a_l of N_l, particles empty or
// L+1 matrices P x N_l (P >= 1, the same for every layer), every weight, bias and
// particle finite, and config.dimensions equal to the layer sizes. Throws
// dbm::ModelFileError naming `file` and the first bad field (e.g. "weights[1]").
void validate_model(const ModelFile& model, const std::filesystem::path& file);

// The dbm.cereal path for a --model argument (run folder or file); does not check
// that it exists.
std::filesystem::path resolve_model_file(const std::filesystem::path& path);

// Everything but the weights, as pretty JSON (written to dbm.json, printed by
// `inspect --json`).
std::string metadata_json(const ModelFile& model);

// Writes `text` to `file` atomically (temporary file + fsync + rename), byte for byte.
// Throws dbm::OutputError naming the file.
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

template <class Archive>
void EpochMetrics::serialize(Archive& ar, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("phase", phase), cereal::make_nvp("layer", layer),
     cereal::make_nvp("epoch", epoch),
     cereal::make_nvp("reconstruction_error", reconstruction_error),
     cereal::make_nvp("learning_rate", learning_rate),
     cereal::make_nvp("mean_field_iterations", mean_field_iterations),
     cereal::make_nvp("seconds", seconds),
     cereal::make_nvp("examples_per_second", examples_per_second));
}

template <class Archive>
void DataInfo::serialize(Archive& ar, std::uint32_t /*version*/) {
  // Through a fixed-width copy: cereal's JSON archive writes `long long` as a string.
  std::int64_t n = n_examples;
  ar(cereal::make_nvp("name", name), cereal::make_nvp("source", source),
     cereal::make_nvp("n_examples", n), cereal::make_nvp("image_width", image_width),
     cereal::make_nvp("image_height", image_height));
  n_examples = n;
}

}  // namespace dbm::io

// Class versions of the serialised structs (the version history is above).
CEREAL_CLASS_VERSION(dbm::io::EpochMetrics, 1)
CEREAL_CLASS_VERSION(dbm::io::DataInfo, 1)
CEREAL_CLASS_VERSION(dbm::io::ModelFile, 1)
