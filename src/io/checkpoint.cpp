#include "dbm/io/checkpoint.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "dbm/core/error.hpp"
#include "eigen_cereal.hpp"

namespace dbm::io {
namespace {

namespace fs = std::filesystem;

// Shapes are checked against the config after loading; here only the generic
// bounds of load_dense apply.
constexpr auto kAnyShape = [](std::uint64_t, std::uint64_t) {};

template <class Archive, class M>
void save_matrices(Archive& ar, const std::vector<M>& matrices) {
  ar(static_cast<std::uint64_t>(matrices.size()));
  for (const auto& m : matrices) detail::save_dense(ar, m);
}

template <class Archive, class M>
void load_matrices(Archive& ar, std::vector<M>& matrices) {
  std::uint64_t count = 0;
  ar(count);
  if (count > 64) throw cereal::Exception("a stored list claims " + std::to_string(count) + " matrices");
  matrices.resize(count);
  for (auto& m : matrices) detail::load_dense(ar, m, kAnyShape);
}

template <class Archive>
void save_rbm(Archive& ar, const model::Rbm& rbm) {
  detail::save_dense(ar, rbm.weights);
  detail::save_dense(ar, rbm.visible_bias);
  detail::save_dense(ar, rbm.hidden_bias);
  ar(rbm.up_factor, rbm.down_factor);
}

template <class Archive>
void load_rbm(Archive& ar, model::Rbm& rbm) {
  detail::load_dense(ar, rbm.weights, kAnyShape);
  detail::load_dense(ar, rbm.visible_bias, kAnyShape);
  detail::load_dense(ar, rbm.hidden_bias, kAnyShape);
  ar(rbm.up_factor, rbm.down_factor);
}

template <class Archive>
void serialize_progress(Archive& ar, train::PhaseProgress& p) {
  std::int64_t batches = p.batches_done;
  ar(p.epochs_done, batches, p.shuffle_counter_at_epoch_start, p.shuffle_counter,
     p.sample_counter, p.squared_error, p.mean_field_steps, p.epoch_seconds);
  p.batches_done = batches;
}

void save_state(cereal::PortableBinaryOutputArchive& ar, const train::TrainingState& s) {
  ar(s.layer);
  serialize_progress(ar, const_cast<train::PhaseProgress&>(s.progress));
  ar(static_cast<std::uint64_t>(s.stack.size()));
  for (const auto& rbm : s.stack) save_rbm(ar, rbm);
  ar(s.rbm_started);
  save_rbm(ar, s.rbm);
  detail::save_dense(ar, s.rbm_delta_w);
  detail::save_dense(ar, s.rbm_delta_b);
  detail::save_dense(ar, s.rbm_delta_c);
  detail::save_dense(ar, s.chain_v);
  detail::save_dense(ar, s.chain_h);
  ar(s.dbm_started);
  save_matrices(ar, s.dbm.weights);
  save_matrices(ar, s.dbm.biases);
  save_matrices(ar, s.particles);
  save_matrices(ar, s.dbm_delta_w);
  save_matrices(ar, s.dbm_delta_a);
  ar(s.examples_seen, s.metrics);
}

void load_state(cereal::PortableBinaryInputArchive& ar, train::TrainingState& s) {
  ar(s.layer);
  serialize_progress(ar, s.progress);
  std::uint64_t n_stack = 0;
  ar(n_stack);
  if (n_stack > 64) throw cereal::Exception("a stored stack claims " + std::to_string(n_stack) + " RBMs");
  s.stack.resize(n_stack);
  for (auto& rbm : s.stack) load_rbm(ar, rbm);
  ar(s.rbm_started);
  load_rbm(ar, s.rbm);
  detail::load_dense(ar, s.rbm_delta_w, kAnyShape);
  detail::load_dense(ar, s.rbm_delta_b, kAnyShape);
  detail::load_dense(ar, s.rbm_delta_c, kAnyShape);
  detail::load_dense(ar, s.chain_v, kAnyShape);
  detail::load_dense(ar, s.chain_h, kAnyShape);
  ar(s.dbm_started);
  load_matrices(ar, s.dbm.weights);
  load_matrices(ar, s.dbm.biases);
  load_matrices(ar, s.particles);
  load_matrices(ar, s.dbm_delta_w);
  load_matrices(ar, s.dbm_delta_a);
  ar(s.examples_seen, s.metrics);
}

// Every shape in the state must agree with the config's layer sizes.
std::string find_problem(const Checkpoint& c) {
  const auto& dims = c.config.dimensions;
  const auto& s = c.state;
  const int n_layers = static_cast<int>(dims.size()) - 1;
  if (dims.size() < 2) return "the configuration has fewer than two layer sizes";
  // The settings the run continues with pass the same checks as a command line's
  // (a damaged batch size of 0 would never finish an epoch).
  try {
    c.config.validate();
  } catch (const UsageError& e) {
    return std::string("its training settings are invalid (") + e.what() + ")";
  }
  if (s.layer < 1 || s.layer > n_layers + 1) return "the phase (layer " + std::to_string(s.layer) + ") is out of range";
  if (s.progress.epochs_done < 0 || s.progress.batches_done < 0 ||
      s.progress.epochs_done > std::max(c.config.epochs, c.config.effective_finetune_epochs()))
    return "the position in training (epoch " + std::to_string(s.progress.epochs_done) +
           ", mini-batch " + std::to_string(s.progress.batches_done) + ") is out of range";
  if (static_cast<int>(s.stack.size()) != s.layer - 1) return "the number of finished RBMs disagrees with the phase";
  auto rbm_ok = [&](const model::Rbm& rbm, int layer) {
    const Index v = dims[layer - 1], h = dims[layer];
    return rbm.weights.rows() == v && rbm.weights.cols() == h && rbm.visible_bias.size() == v &&
           rbm.hidden_bias.size() == h && rbm.weights.allFinite();
  };
  for (int l = 1; l < s.layer; ++l)
    if (!rbm_ok(s.stack[l - 1], l)) return "RBM " + std::to_string(l) + " has the wrong shape";
  if (s.rbm_started) {
    if (s.layer > n_layers || !rbm_ok(s.rbm, s.layer)) return "the RBM in training has the wrong shape";
    if (s.rbm_delta_w.rows() != s.rbm.weights.rows() || s.rbm_delta_w.cols() != s.rbm.weights.cols() ||
        s.rbm_delta_b.size() != s.rbm.visible_bias.size() || s.rbm_delta_c.size() != s.rbm.hidden_bias.size())
      return "the momentum of the RBM in training has the wrong shape";
    if (s.chain_v.size() != 0 && (s.chain_v.cols() != s.rbm.n_visible() || s.chain_h.cols() != s.rbm.n_hidden() ||
                                  s.chain_v.rows() != s.chain_h.rows()))
      return "the persistent chains have the wrong shape";
  }
  if (s.dbm_started) {
    if (s.dbm.dimensions() != dims || s.dbm.weights.size() != static_cast<size_t>(n_layers))
      return "the DBM has the wrong layer sizes";
    for (int l = 1; l <= n_layers; ++l)
      if (s.dbm.weights[l - 1].rows() != dims[l - 1] || s.dbm.weights[l - 1].cols() != dims[l])
        return "W_" + std::to_string(l) + " has the wrong shape";
    if (s.particles.size() != dims.size() || s.dbm_delta_a.size() != dims.size() ||
        s.dbm_delta_w.size() != static_cast<size_t>(n_layers))
      return "the particles or momentum have the wrong number of layers";
    for (size_t l = 0; l < dims.size(); ++l) {
      if (s.particles[l].cols() != dims[l] || s.particles[l].rows() != s.particles[0].rows() ||
          s.dbm_delta_a[l].size() != dims[l])
        return "the particles or momentum of layer " + std::to_string(l) + " have the wrong shape";
      if (l > 0 && (s.dbm_delta_w[l - 1].rows() != dims[l - 1] || s.dbm_delta_w[l - 1].cols() != dims[l]))
        return "the momentum of W_" + std::to_string(l) + " has the wrong shape";
    }
  }
  return {};
}

}  // namespace

void save_checkpoint(const fs::path& file, const Checkpoint& checkpoint) {
  std::ostringstream bytes(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(bytes);
    ar(kCheckpointMagic, kCheckpointVersion, checkpoint.config, checkpoint.data);
    save_state(ar, checkpoint.state);
  }
  write_file_atomically(file, bytes.str());
}

Checkpoint load_checkpoint(const fs::path& path) {
  const fs::path file = fs::is_directory(path) ? path / kCheckpointFileName : path;
  const std::string name = "'" + file.string() + "'";
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ModelFileError(name + ": no checkpoint to resume from; pass the run folder of an "
                         "interrupted train_dbm run");
  }
  Checkpoint checkpoint;
  try {
    cereal::PortableBinaryInputArchive ar(in);
    std::uint64_t magic = 0;
    std::uint32_t version = 0;
    ar(magic);
    if (magic != kCheckpointMagic) throw ModelFileError(name + ": not a train_dbm checkpoint");
    ar(version);
    if (version == 0 || version > kCheckpointVersion) {
      throw ModelFileError(name + ": checkpoint format " + std::to_string(version) +
                           " is not supported by this build (reads up to " +
                           std::to_string(kCheckpointVersion) + ")");
    }
    ar(checkpoint.config, checkpoint.data);
    load_state(ar, checkpoint.state);
  } catch (const ModelFileError&) {
    throw;
  } catch (const std::exception& e) {
    throw ModelFileError(name + ": truncated or corrupted checkpoint (" + e.what() + ")");
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    throw ModelFileError(name + ": corrupted checkpoint (extra bytes at the end)");
  }
  if (const auto problem = find_problem(checkpoint); !problem.empty()) {
    throw ModelFileError(name + ": corrupted checkpoint: " + problem);
  }
  return checkpoint;
}

}  // namespace dbm::io
