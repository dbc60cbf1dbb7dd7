#include "support/run_command.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "support/temp_dir.hpp"

namespace dbm::testing {

CommandResult run_command(const std::string& program, const std::vector<std::string>& args) {
  TempDir capture;
  const auto out_path = capture / "stdout";
  const auto err_path = capture / "stderr";
  std::vector<char*> argv;
  std::vector<std::string> storage = {program};
  storage.insert(storage.end(), args.begin(), args.end());
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_bytes(out_path);
  result.err = read_bytes(err_path);
  return result;
}

CommandResult run_train_dbm(const std::vector<std::string>& args) {
  return run_command(DBM_TRAIN_DBM_EXE, args);
}

}  // namespace dbm::testing
