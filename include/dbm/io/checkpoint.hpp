#pragma once
// Checkpoints: checkpoint.cereal in the run folder, rewritten atomically after every
// epoch of every phase and when training is interrupted, so `train_dbm --resume RUN`
// can continue exactly where a run stopped (issue 7).
//
// Format: magic uint64 0x54504B435F4D4244 ("DBM_CKPT" as little-endian bytes),
// version uint32, then a cereal portable binary archive holding the TrainConfig,
// the DataInfo of the training set, and the TrainingState (see train/state.hpp).
// Version history: 1 — first release.

#include <cstdint>
#include <filesystem>

#include "dbm/io/model_file.hpp"
#include "dbm/train/config.hpp"
#include "dbm/train/state.hpp"

namespace dbm::io {

inline constexpr std::uint64_t kCheckpointMagic = 0x54504B435F4D4244ULL;
inline constexpr std::uint32_t kCheckpointVersion = 1;
inline constexpr const char* kCheckpointFileName = "checkpoint.cereal";

struct Checkpoint {
  train::TrainConfig config;
  DataInfo data;
  train::TrainingState state;
};

// Writes the checkpoint atomically (a failed write never destroys the previous one).
// Throws OutputError naming the file.
void save_checkpoint(const std::filesystem::path& file, const Checkpoint& checkpoint);

// Reads and validates a checkpoint (magic, version, every shape against the config's
// layer sizes). `path` is a run folder or the file. Throws ModelFileError naming the
// file, e.g. when the run has no checkpoint or it is corrupted.
Checkpoint load_checkpoint(const std::filesystem::path& path);

}  // namespace dbm::io
