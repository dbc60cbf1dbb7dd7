#pragma once
// Exporting a trained model for other tools (`train_dbm export`, SPEC §2).
//
// Both formats carry the same arrays under the same names (ALGORITHM.md §0):
//
//   dims         int64 (L+1,)         layer sizes N_0 .. N_L
//   W1 .. WL     float32 (N_{l-1}, N_l) W_l; rows index the lower layer x_{l-1}
//   a0 .. aL     float32 (N_l,)        a_l, the bias of layer l as it enters the
//                                      DBM energy (a0 = visible bias); for a DBM these
//                                      are the composed biases, not an RBM's
//   config_json  0-d unicode (npz)     the model's metadata, exactly the text of
//                                      dbm.json / `inspect --json`
//
// so that, for one joint state x = (x_0 .. x_L),
//
//   E(x) = - sum_{l=1..L} x_{l-1} @ W_l @ x_l - sum_{l=0..L} a_l @ x_l
//
// in NumPy gives the engine's model::Dbm::energy. Persistent particles and the
// training history other than the metadata are not exported.
//
// npz: a numpy.savez-style archive (see io/npy.hpp), read with
//   z = numpy.load("dbm.npz"); z["W1"].shape; json.loads(str(z["config_json"]))
//
// json: one object, for small models and tools without NumPy. Every array is a JSON
// array (a matrix is a list of rows), numbers are the shortest decimal text that
// reads back as the same float32 (integers for dims):
//   { "format": "train_dbm-export", "format_version": 1, "dims": [784, 500],
//     "W1": [[...], ...], ..., "a0": [...], ..., "config": { ...metadata... } }
// "config" is the metadata as a nested object rather than a string.

#include <filesystem>
#include <string>
#include <vector>

#include "dbm/io/model_file.hpp"
#include "dbm/io/npy.hpp"

namespace dbm::io {

enum class ExportFormat { kNpz, kJson };

// Version of the layout above, written as "format_version" in the JSON export.
inline constexpr int kExportFormatVersion = 1;

// "npz" or "json". Throws dbm::UsageError naming --format otherwise.
ExportFormat parse_export_format(const std::string& text);

// The default output file name: "dbm.npz", or "dbm_weights.json" for JSON (dbm.json
// is already the run folder's metadata file).
std::string default_export_file_name(ExportFormat format);

// The arrays of the export, in order: dims, W1..WL, a0..aL, config_json.
std::vector<NpyArray> export_arrays(const ModelFile& model);

// The export file's bytes in the given format.
std::string export_npz(const ModelFile& model);
std::string export_json(const ModelFile& model);

// Writes the export to `file` atomically (io::write_file_atomically). Throws
// dbm::OutputError naming the file.
void export_model(const ModelFile& model, ExportFormat format, const std::filesystem::path& file);

}  // namespace dbm::io
