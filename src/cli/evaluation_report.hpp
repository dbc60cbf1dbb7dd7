#pragma once
// The evaluation shared by `train_dbm evaluate` and `train_dbm --evaluate`: resolves
// the data set against the model, loads and binarises it, picks the AIS base rate,
// runs dbm::eval::evaluate(), and formats the result as text lines or JSON.
// Defined in evaluate_command.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include "dbm/core/types.hpp"
#include "dbm/eval/evaluation.hpp"
#include "dbm/io/model_file.hpp"

namespace dbm::cli {

struct EvaluateOptions {
  std::string model;              // run folder or dbm.cereal
  std::string data;               // empty: the data set the model was trained on
  std::string data_dir;           // empty: the model's --data-dir
  std::string faces_dir;          // empty: the model's --faces-dir
  int image_size = 0;             // faces; 0: the model's
  std::string split = "test";
  std::int64_t limit = 0;         // 0: every example of the split
  Index ais_runs = 100;
  Index ais_betas = 20000;
  std::string ais_schedule = "piecewise";
  int ais_sweeps = 1;
  std::uint64_t seed = 1;         // AIS chains
  std::string binarize = "stochastic";
  std::uint64_t binarize_seed = 0;
  int mean_field_steps = 100;
  int threads = 0;
  bool json = false;
};

struct EvaluationReport {
  std::string model_path;
  std::vector<int> dimensions;
  std::string data_name;
  std::string split;
  std::string data_note;        // e.g. "binarised by Bern(x), seed 0"
  std::string base_rate_note;   // where the AIS base rate came from
  std::vector<std::string> warnings;
  EvaluateOptions options;
  eval::Evaluation result;
  double seconds = 0.0;         // wall time of the whole evaluation, loading included
};

// Runs the evaluation of `model` (read from `model_path`). `training_data`, when not
// null, is the model's training set (grey values) for the AIS base rate; otherwise
// the training split is loaded. Throws dbm::Error subclasses (DataError when the data
// do not fit the model).
EvaluationReport evaluate_model(const io::ModelFile& model, const std::string& model_path,
                                const EvaluateOptions& options,
                                const RowMajorMatrix* training_data = nullptr);

// Human-readable lines (no trailing newlines) and a JSON object.
std::vector<std::string> report_lines(const EvaluationReport& report);
std::string report_json(const EvaluationReport& report);

// `train_dbm --evaluate`: evaluates a freshly trained model on its test split with
// the default settings and logs the report lines (stdout stays the run folder only).
// An evaluation error is logged as a warning: the model is already saved.
void log_evaluation(const io::ModelFile& model, const std::string& model_path,
                    const RowMajorMatrix& training_data);

}  // namespace dbm::cli
