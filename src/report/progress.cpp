#include "dbm/report/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <string>

namespace dbm::report {
namespace {

std::string format_duration(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  }
  return text;
}

std::string phase_label(const char* phase, int layer) {
  return std::string(phase) == "pretrain" ? "RBM " + std::to_string(layer) : "DBM";
}

}  // namespace

ProgressReporter::ProgressReporter(std::FILE* stream, double plain_interval_seconds)
    : stream_(stream),
      is_terminal_(isatty(fileno(stream)) != 0),
      plain_interval_seconds_(plain_interval_seconds) {}

void ProgressReporter::clear_line() {
  if (is_terminal_ && line_drawn_) {
    std::fputs("\r\033[K", stream_);
    std::fflush(stream_);
    line_drawn_ = false;
  }
}

void ProgressReporter::on_phase_start(const std::string& description) {
  clear_line();
  spdlog::info("training {}", description);
  last_draw_ = std::chrono::steady_clock::now();
}

void ProgressReporter::on_batch(const train::BatchProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  const bool done = p.examples_done == p.examples_total;
  if (is_terminal_ ? (since_draw < 0.2 && !done) : (since_draw < plain_interval_seconds_ || done)) {
    return;
  }
  last_draw_ = now;
  const double rate = p.epoch_seconds > 0 ? static_cast<double>(p.examples_done) / p.epoch_seconds : 0.0;
  const double remaining = rate > 0 ? static_cast<double>(p.examples_total - p.examples_done) / rate : 0.0;
  const double percent = 100.0 * static_cast<double>(p.examples_done) / static_cast<double>(p.examples_total);
  char line[256];
  std::snprintf(line, sizeof line, "%s epoch %d/%d %5.1f%% %lld/%lld  %.0f examples/s  lr %.3g  ETA %s",
                phase_label(p.phase, p.layer).c_str(), p.epoch, p.n_epochs, percent,
                static_cast<long long>(p.examples_done), static_cast<long long>(p.examples_total),
                rate, p.learning_rate, format_duration(remaining).c_str());
  if (is_terminal_) {
    std::fprintf(stream_, "\r\033[K%s", line);
    line_drawn_ = true;
  } else {
    std::fprintf(stream_, "%s\n", line);
  }
  std::fflush(stream_);
}

void ProgressReporter::on_epoch_end(const io::EpochMetrics& m) {
  clear_line();
  if (m.phase == "pretrain") {
    spdlog::info("RBM {} epoch {}: reconstruction error {:.4f}, {:.1f} s, {:.0f} examples/s",
                 m.layer, m.epoch, m.reconstruction_error, m.seconds, m.examples_per_second);
  } else {
    spdlog::info(
        "DBM epoch {}: mean-field reconstruction error {:.4f}, mean-field steps {:.1f}, lr {:.3g}, "
        "{:.1f} s, {:.0f} examples/s",
        m.epoch, m.reconstruction_error, m.mean_field_iterations, m.learning_rate, m.seconds,
        m.examples_per_second);
  }
  last_draw_ = std::chrono::steady_clock::now();
}

void ProgressReporter::on_note(const std::string& text) {
  clear_line();
  spdlog::warn("{}", text);
}

}  // namespace dbm::report
