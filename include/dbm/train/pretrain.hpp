#pragma once
// Greedy layer-wise pretraining of the RBM stack with the DBM 'doubling'
// corrections (ALGORITHM.md §2, SPEC §4.1).
//
// RBM l joins layers l-1 and l. It trains for `epochs` passes: the first
// effective_cd_epochs() (default ceil(epochs/2)) with CD-k1 (chains restart at the
// mini-batch), the rest with
// PCD-k2 (batch_size persistent chains, k2 Gibbs steps per update, never reset).
// Statistics use visible samples and hidden probabilities (§1.1); gradients are
// mini-batch means; updates use momentum SGD with L2 decay on the weights (§1.3).
// With binarize_data every mini-batch is replaced by a fresh Bern(x) sample.

#include <utility>
#include <vector>

#include "dbm/core/random.hpp"
#include "dbm/model/dbm.hpp"
#include "dbm/model/rbm.hpp"
#include "dbm/train/config.hpp"
#include "dbm/train/observer.hpp"

namespace dbm::train {

// (up factor u, down factor d) of RBM `layer` (1-based) in a stack of `n_layers`
// (ALGORITHM.md §2.1): plain RBM (1,1); bottom (2,1); middle (2,2); top (1,2).
std::pair<float, float> doubling_factors(int layer, int n_layers);

// Trains RBM state.layer (1-based) of `config.dimensions` on `data`
// (N x N_{layer-1}, values in [0,1]), starting or continuing from `state`
// (state.rbm, its momentum, chains, RNG counters and position). On completion the
// RBM joins state.stack and state.layer advances. Appends one EpochMetrics per epoch
// to state.metrics and reports a checkpoint after each epoch.
// Throws DivergenceError if the parameters stop being finite, Interrupted when the
// observer asks to stop (after reporting a checkpoint).
void pretrain_rbm(const RowMajorMatrix& data, const TrainConfig& config, TrainingState& state,
                  TrainingObserver& observer);

// The training data of the next RBM (ALGORITHM.md §2.3, §2.4 k3): each row v is run
// through `k3` Gibbs steps of `rbm` (v <- Bern(p(v|Bern(p(h|v))))), then mapped to
// p(h | v) = sigma(u (v W + c)). k3 = 0 gives the posterior of the data itself.
RowMajorMatrix propagate_up(const model::Rbm& rbm, const RowMajorMatrix& data, int k3,
                            RandomStream& rng);

// Composes the DBM from the trained stack (ALGORITHM.md §2.2): W_l = W(RBM_l),
// a_0 = b(RBM_1), a_l = c(RBM_l) + b(RBM_{l+1}), a_L = c(RBM_L).
model::Dbm compose_dbm(const std::vector<model::Rbm>& stack);

}  // namespace dbm::train
