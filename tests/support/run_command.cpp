#include "support/run_command.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "support/temp_dir.hpp"

namespace dbm::testing {

RunningCommand::RunningCommand(const std::string& program, const std::vector<std::string>& args) {
  char pattern[] = "/tmp/dbm_cmd_XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  capture_dir_ = pattern;
  const std::string out_path = capture_dir_ + "/stdout";
  const std::string err_path = capture_dir_ + "/stderr";
  std::vector<std::string> storage = {program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
}

RunningCommand::~RunningCommand() {
  if (!waited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(capture_dir_, ignored);
}

void RunningCommand::send_signal(int signal) const { kill(pid_, signal); }

CommandResult RunningCommand::wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  waited_ = true;
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_bytes(capture_dir_ + "/stdout");
  result.err = read_bytes(capture_dir_ + "/stderr");
  return result;
}

CommandResult run_command(const std::string& program, const std::vector<std::string>& args) {
  RunningCommand command(program, args);
  return command.wait();
}

CommandResult run_train_dbm(const std::vector<std::string>& args) {
  return run_command(DBM_TRAIN_DBM_EXE, args);
}

}  // namespace dbm::testing
