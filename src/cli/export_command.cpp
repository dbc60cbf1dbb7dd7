// `train_dbm export`: a model's weights and biases for NumPy (.npz) or as JSON (SPEC §2).
// On success stdout carries one line, the file written.

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "cli/format.hpp"
#include "dbm/core/error.hpp"
#include "dbm/io/export.hpp"

namespace dbm::cli {
namespace {

namespace fs = std::filesystem;

struct ExportOptions {
  std::string model;
  std::string format;
  std::string out;  // empty: <run folder>/dbm.npz or dbm_weights.json
};

// Where to write: --out, a file inside --out when it is a folder, or the default
// file in the model's run folder.
fs::path output_path(const ExportOptions& o, io::ExportFormat format) {
  const auto name = io::default_export_file_name(format);
  if (o.out.empty()) return io::resolve_model_file(o.model).parent_path() / name;
  std::error_code ec;
  return fs::is_directory(o.out, ec) ? fs::path(o.out) / name : fs::path(o.out);
}

// True when `a` and `b` exist and are the same file.
bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

int run_export(const ExportOptions& o) {
  const auto format = io::parse_export_format(o.format);
  const auto model = io::load_model(o.model);
  const fs::path model_file = io::resolve_model_file(o.model);
  const fs::path out = output_path(o, format);
  for (const fs::path& own : {model_file, model_file.parent_path() / io::kMetadataFileName}) {
    if (same_file(out, own)) {
      throw UsageError("--out '" + out.string() + "' is the model's own " +
                       own.filename().string() + "; choose another file");
    }
  }
  // Fail with a sentence that says what to do, not the OS's "No such file or directory".
  const fs::path folder = out.has_parent_path() ? out.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    const bool exists = fs::exists(folder, ec);
    throw OutputError("cannot write '" + out.string() + "': '" + folder.string() +
                      (exists ? "' is not a folder" : "' does not exist") +
                      "; create the folder or pass another --out");
  }
  io::export_model(model, format, out);
  spdlog::info("exported {} model ({} weight matrices) to {}", join(model.dbm.dimensions(), "-"),
               model.dbm.n_layers(), out.string());
  std::cout << out.string() << std::endl;
  return 0;
}

class ExportCommand : public Command {
 public:
  CLI::App* add_to(CLI::App& root) override {
    auto* app = root.add_subcommand(
        "export", "write a model's weights and biases for NumPy (npz) or as JSON");
    app->add_option("--model", options_.model, "run folder or its dbm.cereal")->required();
    app->add_option("--format", options_.format,
                    "npz: W1..WL, a0..aL, dims, config_json for numpy.load; "
                    "json: the same as JSON arrays (for small models)")
        ->required()
        ->check(CLI::IsMember({"npz", "json"}));
    app->add_option("--out", options_.out,
                    "file to write (a folder: the default name inside it); default: dbm.npz "
                    "or dbm_weights.json in the run folder");
    return app;
  }
  int run() override { return run_export(options_); }

 private:
  ExportOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_export_command() { return std::make_unique<ExportCommand>(); }

}  // namespace dbm::cli
