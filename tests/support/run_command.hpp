#pragma once
// Runs a program (the real train_dbm) and captures its exit code, stdout and stderr.

#include <string>
#include <vector>

namespace dbm::testing {

struct CommandResult {
  int exit_code = -1;  // the process's exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs `program` with `args` (no shell), waiting for it to finish.
CommandResult run_command(const std::string& program, const std::vector<std::string>& args);

// A program started in the background (for tests that signal it).
class RunningCommand {
 public:
  RunningCommand(const std::string& program, const std::vector<std::string>& args);
  ~RunningCommand();
  RunningCommand(const RunningCommand&) = delete;
  RunningCommand& operator=(const RunningCommand&) = delete;
  int pid() const { return pid_; }
  void send_signal(int signal) const;
  // Waits for the program to exit and returns what it did.
  CommandResult wait();

 private:
  int pid_ = -1;
  bool waited_ = false;
  std::string capture_dir_;
};

// Runs the train_dbm executable built with the tests.
CommandResult run_train_dbm(const std::vector<std::string>& args);

}  // namespace dbm::testing
