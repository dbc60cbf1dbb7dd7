#include "dbm/io/export.hpp"

#include <charconv>

#include "dbm/core/error.hpp"

namespace dbm::io {
namespace {

// Shortest text that reads back as the same float32 (std::to_chars round-trips).
void append_number(std::string& out, float value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  out.append(text, result.ptr);
}

void append_vector(std::string& out, const Vector& values) {
  out += '[';
  for (Index i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    append_number(out, values(i));
  }
  out += ']';
}

void append_matrix(std::string& out, const Matrix& matrix) {
  out += "[";
  for (Index i = 0; i < matrix.rows(); ++i) {
    out += i > 0 ? ",\n    [" : "\n    [";
    for (Index j = 0; j < matrix.cols(); ++j) {
      if (j > 0) out += ", ";
      append_number(out, matrix(i, j));
    }
    out += ']';
  }
  out += "\n  ]";
}

// "W1", "a0", ... (built piecewise: GCC 12 warns, a false positive, on "W" + string).
std::string array_name(char letter, std::size_t index) {
  std::string name(1, letter);
  name += std::to_string(index);
  return name;
}

}  // namespace

ExportFormat parse_export_format(const std::string& text) {
  if (text == "npz") return ExportFormat::kNpz;
  if (text == "json") return ExportFormat::kJson;
  throw UsageError("--format: '" + text + "' is not a format; use npz or json");
}

std::string default_export_file_name(ExportFormat format) {
  return format == ExportFormat::kNpz ? "dbm.npz" : "dbm_weights.json";
}

std::vector<NpyArray> export_arrays(const ModelFile& model) {
  const auto& dbm = model.dbm;
  std::vector<std::int64_t> dims;
  for (int size : dbm.dimensions()) dims.push_back(size);
  std::vector<NpyArray> arrays;
  arrays.push_back(npy_int64("dims", dims));
  for (std::size_t l = 0; l < dbm.weights.size(); ++l) {
    arrays.push_back(npy_float32(array_name('W', l + 1), dbm.weights[l]));
  }
  for (std::size_t l = 0; l < dbm.biases.size(); ++l) {
    arrays.push_back(npy_float32(array_name('a', l), dbm.biases[l]));
  }
  arrays.push_back(npy_unicode_scalar("config_json", metadata_json(model)));
  return arrays;
}

std::string export_npz(const ModelFile& model) { return npz_archive(export_arrays(model)); }

std::string export_json(const ModelFile& model) {
  const auto& dbm = model.dbm;
  std::string out = "{\n  \"format\": \"train_dbm-export\",\n  \"format_version\": " +
                    std::to_string(kExportFormatVersion) + ",\n  \"dims\": [";
  const auto dims = dbm.dimensions();
  for (std::size_t l = 0; l < dims.size(); ++l) {
    if (l > 0) out += ", ";
    out += std::to_string(dims[l]);
  }
  out += "]";
  for (std::size_t l = 0; l < dbm.weights.size(); ++l) {
    out += ",\n  \"W" + std::to_string(l + 1) + "\": ";
    append_matrix(out, dbm.weights[l]);
  }
  for (std::size_t l = 0; l < dbm.biases.size(); ++l) {
    out += ",\n  \"a" + std::to_string(l) + "\": ";
    append_vector(out, dbm.biases[l]);
  }
  // The metadata object, indented one level (JSON strings hold no raw newlines, so
  // every '\n' is between tokens).
  out += ",\n  \"config\": ";
  for (char c : metadata_json(model)) {
    out += c;
    if (c == '\n') out += "  ";
  }
  out += "\n}\n";
  return out;
}

void export_model(const ModelFile& model, ExportFormat format, const std::filesystem::path& file) {
  write_file_atomically(file,
                        format == ExportFormat::kNpz ? export_npz(model) : export_json(model));
}

}  // namespace dbm::io
