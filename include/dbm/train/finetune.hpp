#pragma once
// Joint DBM training, 'fine-tuning' (ALGORITHM.md §3, SPEC §4.2).
//
// Per mini-batch V (B rows): mean-field inference gives the data-dependent
// statistics mu (§3 step 2); `particles` persistent fantasy particles advance k2
// block-Gibbs sweeps (even layers, then odd layers) for the model statistics, the
// odd layers replaced by their conditional probabilities (Rao-Blackwellised,
// §3 step 3). Gradients (§3 step 4):
//   gW_l = mu_{l-1}^T mu_l / B - x_{l-1}^T x_l / P - lambda W_l,  ga_l = mean(mu_l) - mean(x_l)
// Momentum SGD; the learning rate decays per 100 examples seen,
//   eps_t = max(eps_0 * decay^(-n_seen/100), floor)  (§3 step 6).
// For a single RBM (L = 1) this is exactly PCD-k2.

#include <vector>

#include "dbm/model/dbm.hpp"
#include "dbm/train/config.hpp"
#include "dbm/train/observer.hpp"
#include "dbm/train/state.hpp"

namespace dbm::train {

// How joint training names itself in TrainingObserver::on_phase_start (its
// description starts with this text). Tools that watch a run's log for the start
// of joint training, such as bench/dbm_bench, match this constant, not a copy.
inline constexpr const char* kJointPhaseTitle = "the DBM jointly";

// Fantasy particles initialised from the data (ALGORITHM.md §3 step 3 [rec]):
// v = Bern(a random training example), hidden layers sampled from mean-field.
// Returns L+1 matrices, P x N_l, binary.
std::vector<Matrix> initial_particles(const model::Dbm& dbm, const RowMajorMatrix& data,
                                      const TrainConfig& config);

// Runs config.effective_finetune_epochs() passes over `data` (N x D), starting or
// continuing from `state`: when joint training has not started, state.dbm is
// composed from state.stack and the particles are initialised. Parameters,
// momentum, particles, RNG counters and position all live in `state`. Appends one
// EpochMetrics per epoch to state.metrics and reports a checkpoint after each.
// Throws DivergenceError if the parameters stop being finite, Interrupted when the
// observer asks to stop (after reporting a checkpoint).
void finetune(const RowMajorMatrix& data, const TrainConfig& config, TrainingState& state,
              TrainingObserver& observer);

}  // namespace dbm::train
