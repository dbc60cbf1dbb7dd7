#include "peak_memory.hpp"

#include "dbm/train/finetune.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <optional>
#include <stdexcept>

extern char** environ;

namespace dbm::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A full run takes minutes; this only guards against a hung child.
constexpr double kTimeoutSeconds = 3600.0;

std::string last_lines(const std::deque<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "\n  " + line;
  return text;
}

}  // namespace

PeakMemory measure_training_memory(const std::string& train_dbm, const std::string& data,
                                   const std::string& data_dir, int threads,
                                   bool stop_in_joint_training,
                                   double seconds_into_joint) {
  char folder_template[] = "/tmp/dbm_bench_models_XXXXXX";
  if (mkdtemp(folder_template) == nullptr) {
    throw std::runtime_error("cannot create a temporary models folder under /tmp");
  }
  const std::string models_dir = folder_template;
  const std::vector<std::string> args{train_dbm,      "-d",           "784,500,1000",
                                      "--data",       data,           "--data-dir",
                                      data_dir,       "--models-dir", models_dir,
                                      "--batch-size", "100",          "--learning-rate",
                                      "0.05",         "--k3",         "0",
                                      "--epochs",     "1",            "--finetune-epochs",
                                      "1",            "--seed",       "1",
                                      "--threads",    std::to_string(threads)};
  PeakMemory result;
  for (const auto& a : args) result.command += (result.command.empty() ? "" : " ") + a;
  result.stopped_in_joint_training = stop_in_joint_training;

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe() failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const auto start = Clock::now();
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, train_dbm.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    std::filesystem::remove_all(models_dir);
    throw std::runtime_error("cannot run " + train_dbm);
  }

  // Read stderr line by line: it says when joint training starts, and its tail
  // explains a failure.
  std::deque<std::string> tail;
  std::string partial;
  std::optional<Clock::time_point> stop_at;
  bool signalled = false;
  char buffer[4096];
  while (true) {
    const auto now = Clock::now();
    if (!signalled && stop_at && now >= *stop_at) {
      kill(pid, SIGINT);
      signalled = true;
    }
    if (!signalled && std::chrono::duration<double>(now - start).count() > kTimeoutSeconds) {
      kill(pid, SIGKILL);
      signalled = true;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child closed stderr (it is exiting)
    partial.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = partial.find_first_of("\n\r")) != std::string::npos) {
      std::string line = partial.substr(0, newline);
      partial.erase(0, newline + 1);
      if (line.empty()) continue;
      if (stop_in_joint_training && !stop_at &&
          line.find(train::kJointPhaseTitle) != std::string::npos) {
        stop_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds_into_joint));
      }
      tail.push_back(std::move(line));
      if (tail.size() > 8) tail.pop_front();
    }
  }
  close(pipe_fds[0]);

  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) break;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::filesystem::remove_all(models_dir);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.peak_rss_kib = usage.ru_maxrss;
  result.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;

  const int expected = stop_in_joint_training ? 130 : 0;
  if (result.exit_code != expected || (stop_in_joint_training && !stop_at)) {
    throw std::runtime_error("the training run for the memory figure ended with exit code " +
                             std::to_string(result.exit_code) + " (expected " +
                             std::to_string(expected) + "): " + result.command +
                             last_lines(tail));
  }
  return result;
}

}  // namespace dbm::bench
