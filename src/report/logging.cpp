#include "dbm/report/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "dbm/core/error.hpp"

namespace dbm::report {

void setup_logging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str maps unknown names to 'off'; only accept 'off' when asked for it.
  if (parsed == spdlog::level::off && level != "off") {
    throw UsageError("--log-level: unknown level '" + level +
                     "'; choose trace, debug, info, warn, error or off");
  }
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  sink->set_pattern("[%Y-%m-%d %H:%M:%S] %^%l%$ %v");
  sink->set_level(parsed);
  auto logger = std::make_shared<spdlog::logger>("train_dbm", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::filesystem::path& file) {
  try {
    // Appends: a resumed run (--resume) adds to the log of the run it continues.
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), false);
    sink->set_pattern("[%Y-%m-%d %H:%M:%S] %l %v");
    sink->set_level(spdlog::level::info);
    spdlog::default_logger()->sinks().push_back(sink);
    spdlog::default_logger()->flush_on(spdlog::level::info);
  } catch (const spdlog::spdlog_ex& e) {
    throw OutputError("cannot write the log file '" + file.string() + "': " + e.what());
  }
}

}  // namespace dbm::report
