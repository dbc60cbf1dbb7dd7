#pragma once
// The model file, dbm.cereal, and its JSON metadata twin, dbm.json (SPEC §5).
//
// Format (cereal portable binary archive, little-endian on disk):
//   1. magic      uint64  0x4D42445F4E494152 ("RAIN_DBM" read as little-endian bytes)
//   2. version    uint32  kModelFormatVersion
//   3. ModelFile  (cereal class version on every struct): metadata, layer sizes,
//                 weights W_1..W_L (N_{l-1} x N_l, column-major), biases a_0..a_L,
//                 persistent particles (a checkpoint section, may be empty), config,
//                 per-epoch metrics.
// Version history:
//   1 — first release.
// Loading rejects an unknown magic, a newer version, and any matrix whose shape
// disagrees with the stored layer sizes. Saving writes a temporary file in the same
// folder, flushes it to disk and renames it over the target, so a crash or a full
// disk never leaves a truncated dbm.cereal.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"
#include "dbm/model/dbm.hpp"
#include "dbm/train/config.hpp"

namespace dbm::io {

inline constexpr std::uint64_t kModelMagic = 0x4D42445F4E494152ULL;
inline constexpr std::uint32_t kModelFormatVersion = 1;

// One line of training history: one epoch of one phase.
struct EpochMetrics {
  std::string phase;       // "pretrain" or "finetune"
  int layer = 0;           // pretraining: RBM index 1..L; fine-tuning: 0
  int epoch = 0;           // 1-based within the phase
  double reconstruction_error = 0.0;  // mean squared error per example
  double learning_rate = 0.0;         // at the end of the epoch
  double mean_field_iterations = 0.0; // fine-tuning: average sweeps used
  double seconds = 0.0;
  double examples_per_second = 0.0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version);
};

// What the model was trained on.
struct DataInfo {
  std::string name;        // mnist, fashion_mnist, faces, bars_and_stripes
  std::string source;      // path the examples were read from
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
  std::string engine_version;     // train_dbm version that wrote the file
  std::string created_utc;        // ISO 8601
  double training_seconds = 0.0;
};

// Writes `model` to `file` atomically. Throws dbm::OutputError naming the file.
void save_model(const std::filesystem::path& file, const ModelFile& model);

// Reads and fully validates a model. `path` is a run folder (dbm.cereal inside) or
// the .cereal file itself. Throws dbm::ModelFileError naming the file.
ModelFile load_model(const std::filesystem::path& path);

// The dbm.cereal path for a --model argument (run folder or file); does not check
// that it exists.
std::filesystem::path resolve_model_file(const std::filesystem::path& path);

// Everything but the weights, as pretty JSON (written to dbm.json, printed by
// `inspect --json`).
std::string metadata_json(const ModelFile& model);

// Writes `text` to `file` atomically (temporary file + flush + rename).
// Throws dbm::OutputError naming the file.
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace dbm::io
