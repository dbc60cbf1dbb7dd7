#pragma once
// One logging facade for the executable: spdlog's default logger writes to stderr
// and, once the run folder exists, also to its train.log.

#include <filesystem>
#include <string>

namespace dbm::report {

// Installs the default logger on stderr at `level` (trace|debug|info|warn|error|off).
// Throws UsageError for an unknown level.
void setup_logging(const std::string& level);

// Adds <file> as a second sink receiving everything logged from now on (at least
// info), appended to what the file already holds (a resumed run keeps the log of
// its earlier sessions). Throws OutputError naming the file if it cannot be opened.
void add_log_file(const std::filesystem::path& file);

}  // namespace dbm::report
