#pragma once
// The command line is a set of commands, one file each under src/cli/: training is
// the bare command, the others are sub-commands (inspect, ...). Only src/cli/ knows
// CLI11; main.cpp alone maps errors to exit codes.

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace dbm::cli {

class Command {
 public:
  virtual ~Command() = default;
  // Registers the command's options on `root` (the bare command) or on a new
  // sub-command of it, and returns the CLI::App that holds them.
  virtual CLI::App* add_to(CLI::App& root) = 0;
  // Runs after a successful parse. Throws dbm::Error subclasses on failure.
  virtual int run() = 0;
};

// Options every command shares, set on the root app.
struct GlobalOptions {
  std::string log_level = "info";
};

std::unique_ptr<Command> make_train_command(const GlobalOptions& global);
std::unique_ptr<Command> make_inspect_command();
std::unique_ptr<Command> make_sample_command();
std::unique_ptr<Command> make_filters_command();
std::unique_ptr<Command> make_export_command();
std::unique_ptr<Command> make_evaluate_command();

}  // namespace dbm::cli
