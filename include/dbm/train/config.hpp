#pragma once
// TrainConfig: every training hyperparameter and its default, in one place.
//
// The command line only maps flags onto this struct; the whole struct is saved in
// the model file so that every model says how it was made. Defaults of the flags
// inherited from the original train_DBM.py (learning rate, k1, k2, k3, epochs,
// batch size) are kept exactly (SPEC §2); the rest follow ALGORITHM.md §3.1.

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace dbm::train {

// More threads than this only oversubscribes; far more makes the OpenMP runtime
// fail to start them.
inline constexpr int kMaxThreads = 1024;

// Most Gibbs steps --k1, --k2 and --k3 accept: published schedules use 1 to a few
// hundred; far more is a typo (or a damaged checkpoint) that would make a single
// mini-batch take hours.
inline constexpr int kMaxGibbsSteps = 100000;

// Throws dbm::UsageError naming --threads unless 0 (all cores) <= threads <= kMaxThreads.
// TrainConfig::validate and every sub-command that takes --threads use it.
void validate_thread_count(int threads);

struct TrainConfig {
  // --- the original tool's flags -------------------------------------------------
  std::vector<int> dimensions;  // visible size first, e.g. {784, 500, 1000}
  std::string data = "mnist";   // mnist | fashion_mnist | faces | bars_and_stripes
  float learning_rate = 0.01f;  // stacked-RBM learning rate
  int k1 = 1;                   // Gibbs steps of CD-k1 (the first cd_epochs passes)
  int k2 = 5;                   // Gibbs sweeps per update of the persistent chains
  int k3 = 5;                   // Gibbs steps before passing data to the next RBM
  int epochs = 1;               // passes over the data for each RBM
  int batch_size = 5;

  // --- extensions --------------------------------------------------------------
  std::string data_dir = "data";
  std::string models_dir = "models";
  std::string faces_dir;           // empty: <data_dir>/faces
  int image_size = 28;             // faces: side length after resizing
  int finetune_epochs = -1;        // -1: same as epochs
  // Passes of each RBM trained with CD-k1 before it switches to PCD-k2; -1 means
  // ceil(epochs/2) (SPEC §4), epochs means CD only (as Salakhutdinov's rbm.m).
  int cd_epochs = -1;
  // Train on a fresh Bernoulli sample of every mini-batch (v ~ Bern(x)) instead of the
  // grey values, as rbm.m and dbm_mf.m do (ALGORITHM.md §1.4, §3 step 1). It applies
  // to every RBM's training data and to the visible layer of joint training.
  bool binarize_data = false;
  float finetune_learning_rate = 0.001f;
  int particles = 100;             // persistent fantasy particles (joint training)
  int mean_field_steps = 10;       // maximum mean-field iterations per positive phase
  float mean_field_tolerance = 1e-7f;  // stop when every layer's mean |delta mu| is below
  std::uint64_t seed = 0;          // always set before training (random when not given)
  std::int64_t limit = 0;          // 0: all training examples
  int threads = 0;                 // 0: all cores

  // Optimiser (ALGORITHM.md §1.3, §3 step 6).
  float initial_momentum = 0.5f;
  float final_momentum = 0.9f;
  int momentum_switch_epoch = 5;   // epochs with the initial momentum
  float weight_decay = 0.001f;     // L2 on weights during pretraining
  float finetune_weight_decay = 0.0002f;
  float finetune_learning_rate_floor = 1e-4f;
  // Per 100 training examples the fine-tuning rate is divided by this (MATLAB's
  // 1.000015 per update of a 100-example batch).
  float finetune_learning_rate_decay = 1.000015f;

  // Effective number of joint-training epochs (resolves the -1 default).
  int effective_finetune_epochs() const { return finetune_epochs < 0 ? epochs : finetune_epochs; }
  // Effective number of CD epochs per RBM (resolves the -1 default).
  int effective_cd_epochs() const { return cd_epochs < 0 ? (epochs + 1) / 2 : cd_epochs; }

  // Throws dbm::UsageError naming the first bad field (as its command-line flag).
  void validate() const;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(cereal::make_nvp("dimensions", dimensions), cereal::make_nvp("data", data),
       cereal::make_nvp("learning_rate", learning_rate), cereal::make_nvp("k1", k1),
       cereal::make_nvp("k2", k2), cereal::make_nvp("k3", k3),
       cereal::make_nvp("epochs", epochs), cereal::make_nvp("batch_size", batch_size),
       cereal::make_nvp("data_dir", data_dir), cereal::make_nvp("models_dir", models_dir),
       cereal::make_nvp("faces_dir", faces_dir), cereal::make_nvp("image_size", image_size),
       cereal::make_nvp("finetune_epochs", finetune_epochs),
       cereal::make_nvp("finetune_learning_rate", finetune_learning_rate),
       cereal::make_nvp("particles", particles),
       cereal::make_nvp("mean_field_steps", mean_field_steps),
       cereal::make_nvp("mean_field_tolerance", mean_field_tolerance),
       cereal::make_nvp("seed", seed), cereal::make_nvp("limit", limit),
       cereal::make_nvp("threads", threads),
       cereal::make_nvp("initial_momentum", initial_momentum),
       cereal::make_nvp("final_momentum", final_momentum),
       cereal::make_nvp("momentum_switch_epoch", momentum_switch_epoch),
       cereal::make_nvp("weight_decay", weight_decay),
       cereal::make_nvp("finetune_weight_decay", finetune_weight_decay),
       cereal::make_nvp("finetune_learning_rate_floor", finetune_learning_rate_floor),
       cereal::make_nvp("finetune_learning_rate_decay", finetune_learning_rate_decay));
    // Version 2 added the CD/PCD split and training-data binarisation; version-1
    // files keep the defaults, which reproduce what they did.
    if (version >= 2) {
      ar(cereal::make_nvp("cd_epochs", cd_epochs),
         cereal::make_nvp("binarize_data", binarize_data));
    }
  }
};

// Parses "784,500,1000" into sizes. Throws UsageError ("--dimensions: ...") for an
// empty field, a non-number, a size < 1, or fewer than two sizes.
std::vector<int> parse_dimensions(const std::string& text);

}  // namespace dbm::train

CEREAL_CLASS_VERSION(dbm::train::TrainConfig, 2);
