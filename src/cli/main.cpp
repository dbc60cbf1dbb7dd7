// train_dbm's entry point: builds the command line from the commands in src/cli/,
// runs the chosen one, and is the only code that decides exit codes:
//   0 success, 2 bad usage (CLI11's message or a bad value), 1 anything else.

#include <spdlog/spdlog.h>


#include <cstdlib>
#include <iostream>
#include <new>
#include <vector>

#include "cli/command.hpp"
#include "dbm/core/process_environment.hpp"
#include "dbm/core/error.hpp"
#include "dbm/report/logging.hpp"


int main(int argc, char** argv) {
  dbm::reexec_with_engine_environment(argv);
  using namespace dbm::cli;
  CLI::App app{"train_dbm: train Deep Boltzmann Machines on image data", "train_dbm"};
  app.set_version_flag("--version", std::string("train_dbm ") + DBM_VERSION);
  app.set_config("--config", "", "read options from a TOML/INI file");
  // A misspelt key in a config file must not be silently ignored.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.require_subcommand(0, 1);

  GlobalOptions global;
  app.add_option("--log-level", global.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();

  // The first command is the bare (training) command; the rest are sub-commands.
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(make_train_command(global));
  commands.push_back(make_inspect_command());
  commands.push_back(make_sample_command());
  commands.push_back(make_filters_command());
  commands.push_back(make_export_command());
  commands.push_back(make_evaluate_command());
  std::vector<CLI::App*> apps;
  for (auto& command : commands) apps.push_back(command->add_to(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    dbm::report::setup_logging(global.log_level);
    for (size_t i = 1; i < commands.size(); ++i) {
      if (apps[i]->parsed()) return commands[i]->run();
    }
    return commands.front()->run();
  } catch (const dbm::UsageError& e) {
    std::cerr << "error: " << e.what() << "\nRun with --help for more information.\n";
    return 2;
  } catch (const dbm::Error& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    spdlog::error("out of memory; try a smaller --limit, --batch-size or --dimensions");
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("unexpected error: {}", e.what());
    return 1;
  }
}
