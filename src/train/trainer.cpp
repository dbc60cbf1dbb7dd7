#include "dbm/train/trainer.hpp"

#include <string>

#include "dbm/core/error.hpp"
#include "dbm/train/finetune.hpp"
#include "dbm/train/pretrain.hpp"
#include "dbm/train/streams.hpp"

namespace dbm::train {

TrainingResult train_model(const TrainConfig& config, const RowMajorMatrix& data,
                           TrainingObserver& observer) {
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

  TrainingResult result;
  std::vector<model::Rbm> stack;
  RowMajorMatrix layer_data;  // data of the RBM being trained, above the first
  for (int layer = 1; layer <= n_layers; ++layer) {
    const RowMajorMatrix& input = layer == 1 ? data : layer_data;
    stack.push_back(pretrain_rbm(input, layer, config, observer, result.metrics));
    if (layer < n_layers) {
      RandomStream transfer_rng(config.seed, stream_id(Purpose::kTransfer, layer));
      layer_data = propagate_up(stack.back(), input, config.k3, transfer_rng);
    }
  }
  layer_data.resize(0, 0);

  result.dbm = compose_dbm(stack);
  result.particles = initial_particles(result.dbm, data, config);
  if (config.effective_finetune_epochs() > 0) {
    finetune(result.dbm, result.particles, data, config, observer, result.metrics);
  }
  return result;
}

}  // namespace dbm::train
