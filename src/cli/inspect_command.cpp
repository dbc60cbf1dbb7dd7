// `train_dbm inspect`: print what a model file holds (SPEC §2).

#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cli/format.hpp"
#include "dbm/io/model_file.hpp"

namespace dbm::cli {
namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
};

int run_inspect(const InspectOptions& o) {
  const auto model = io::load_model(o.model);
  if (o.json) {
    std::cout << io::metadata_json(model) << std::endl;
    return 0;
  }
  const auto& c = model.config;
  std::ostringstream out;
  out << "model        " << io::resolve_model_file(o.model).string() << "\n"
      << "format       " << io::kModelFormatVersion << " (train_dbm "
      << model.engine_version << ", created " << model.created_utc << ")\n"
      << "layers       " << join(model.dbm.dimensions(), "-") << " ("
      << (model.dbm.n_layers() == 1 ? "RBM" : "DBM") << ")\n"
      << "data         " << model.data.name << ", " << model.data.n_examples << " examples of "
      << model.data.image_width << "x" << model.data.image_height << " from "
      << model.data.source << "\n"
      << "seed         " << c.seed << "\n"
      << "pretraining  epochs " << c.epochs << ", batch " << c.batch_size << ", learning rate "
      << c.learning_rate << ", CD-" << c.k1 << " for " << c.effective_cd_epochs()
      << " then PCD-" << c.k2 << " for " << (c.epochs - c.effective_cd_epochs()) << ", k3 "
      << c.k3 << ", data " << (c.binarize_data ? "binarised per mini-batch" : "grey values")
      << ", weight decay " << c.weight_decay << ", momentum " << c.initial_momentum << "->"
      << c.final_momentum << " after " << c.momentum_switch_epoch << " epochs\n"
      << "joint        epochs " << c.effective_finetune_epochs() << ", learning rate "
      << c.finetune_learning_rate << ", particles " << c.particles << ", mean-field steps "
      << c.mean_field_steps << ", weight decay " << c.finetune_weight_decay << "\n"
      << "particles    " << (model.particles.empty() ? 0 : model.particles[0].rows()) << "\n"
      << "trained in   " << model.training_seconds << " s\n";
  for (const auto& m : model.metrics) {
    out << "  " << (m.phase == "pretrain" ? "RBM " + std::to_string(m.layer) : std::string("DBM"))
        << " epoch " << m.epoch << ": reconstruction error " << m.reconstruction_error << ", "
        << m.seconds << " s\n";
  }
  std::cout << out.str();
  return 0;
}

class InspectCommand : public Command {
 public:
  CLI::App* add_to(CLI::App& root) override {
    auto* app = root.add_subcommand("inspect",
                                    "print a model's layers, data, hyperparameters and metrics");
    app->add_option("--model", options_.model, "run folder or its dbm.cereal")->required();
    app->add_flag("--json", options_.json, "print the metadata as JSON");
    return app;
  }
  int run() override { return run_inspect(options_); }

 private:
  InspectOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_inspect_command() { return std::make_unique<InspectCommand>(); }

}  // namespace dbm::cli
