#pragma once
// ProgressReporter: the TrainingObserver of the command line. On a terminal it keeps
// one redrawn progress line (epoch, %, examples/s, ETA); otherwise it writes a plain
// line at most every `plain_interval_seconds`. Phase starts, notes and one line per
// epoch with the metrics go to the log (and so to train.log).

#include <chrono>
#include <cstdio>

#include "dbm/train/observer.hpp"

namespace dbm::report {

class ProgressReporter : public train::TrainingObserver {
 public:
  // `stream` receives the progress line (stderr in the CLI).
  explicit ProgressReporter(std::FILE* stream, double plain_interval_seconds = 15.0);

  void on_phase_start(const std::string& description) override;
  void on_batch(const train::BatchProgress& progress) override;
  void on_epoch_end(const io::EpochMetrics& metrics) override;
  void on_note(const std::string& text) override;

 private:
  void clear_line();

  std::FILE* stream_;
  bool is_terminal_;
  double plain_interval_seconds_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool line_drawn_ = false;
};

}  // namespace dbm::report
