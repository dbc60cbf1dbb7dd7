#include "dbm/train/trainer.hpp"

#include <string>

#include "dbm/core/error.hpp"
#include "dbm/train/finetune.hpp"
#include "dbm/train/pretrain.hpp"
#include "dbm/train/streams.hpp"

namespace dbm::train {

TrainingResult train_model(const TrainConfig& config, const RowMajorMatrix& data,
                           TrainingObserver& observer, TrainingState* resume) {
  if (data.cols() != config.dimensions.front()) {
    throw UsageError("--dimensions: the first size must equal the data's " +
                     std::to_string(data.cols()) + " pixels per example, got " +
                     std::to_string(config.dimensions.front()));
  }
  if (data.rows() == 0) throw UsageError("the training set is empty");
  const int n_layers = static_cast<int>(config.dimensions.size()) - 1;
  if (config.k3 > 0 && n_layers > 1) {
    observer.on_note("--k3 " + std::to_string(config.k3) +
                     ": the next layer trains on Gibbs reconstructions, not on the data's "
                     "posterior (the literature uses --k3 0)");
  }

  TrainingState fresh;
  TrainingState& state = resume ? *resume : fresh;
  // The data of the RBM being trained, above the first: rebuilt from the finished
  // stack (deterministic: the transfer streams depend only on seed and layer).
  RowMajorMatrix layer_data;
  for (int layer = 1; layer <= n_layers; ++layer) {
    const RowMajorMatrix& input = layer == 1 ? data : layer_data;
    if (layer == state.layer) pretrain_rbm(input, config, state, observer);
    if (layer < n_layers && state.layer <= n_layers) {
      RandomStream transfer_rng(config.seed, stream_id(Purpose::kTransfer, layer));
      layer_data = propagate_up(state.stack[static_cast<size_t>(layer - 1)], input, config.k3,
                                transfer_rng);
    }
  }
  layer_data.resize(0, 0);

  if (config.effective_finetune_epochs() > 0) {
    finetune(data, config, state, observer);
  } else if (!state.dbm_started) {
    state.dbm = compose_dbm(state.stack);
    state.particles = initial_particles(state.dbm, data, config);
    state.dbm_started = true;
  }
  TrainingResult result;
  result.dbm = state.dbm;
  result.particles = state.particles;
  result.metrics = state.metrics;
  return result;
}

}  // namespace dbm::train
