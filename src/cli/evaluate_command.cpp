// `train_dbm evaluate`: log Z (exact or AIS) and the average log-likelihood of a data
// split in nats (SPEC §2; ALGORITHM.md §5).

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cli/evaluation_report.hpp"
#include "cli/format.hpp"
#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/data/dataset.hpp"

namespace dbm::cli {
namespace {

std::string fixed(double value, int decimals) {
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

data::DataOptions resolve_data(const io::ModelFile& model, const EvaluateOptions& o) {
  data::DataOptions d;
  d.name = o.data.empty() ? model.data.name : o.data;
  d.data_dir = o.data_dir.empty() ? model.config.data_dir : o.data_dir;
  d.faces_dir = o.faces_dir.empty() ? model.config.faces_dir : o.faces_dir;
  d.image_size = o.image_size > 0 ? o.image_size : model.config.image_size;
  if (d.name == "bars_and_stripes") {
    // The side length the model was trained with, else the one its input size implies.
    const auto side = static_cast<int>(std::lround(std::sqrt(model.dbm.layer_size(0))));
    d.bars_size = model.data.name == d.name && model.data.image_width > 0 ? model.data.image_width
                                                                          : side;
  }
  d.split = o.split;
  d.limit = static_cast<Index>(o.limit);
  return d;
}

std::string model_kind(const eval::Evaluation& r) { return r.n_layers == 1 ? "RBM" : "DBM"; }

}  // namespace

EvaluationReport evaluate_model(const io::ModelFile& model, const std::string& model_path,
                                const EvaluateOptions& o, const RowMajorMatrix* training_data) {
  const auto start = std::chrono::steady_clock::now();
  EvaluationReport report;
  report.model_path = model_path;
  report.dimensions = model.dbm.dimensions();
  report.options = o;

  eval::EvaluationOptions options;
  options.ais.n_runs = o.ais_runs;
  options.ais.n_betas = o.ais_betas;
  options.ais.schedule = eval::parse_beta_schedule(o.ais_schedule);
  options.ais.sweeps_per_beta = o.ais_sweeps;
  options.ais.seed = o.seed;
  options.lower_bound.max_steps = o.mean_field_steps;
  const auto binarization = eval::parse_binarization(o.binarize);
  if (o.ais_runs == 1 || o.ais_runs < 0) {
    throw UsageError("--ais-runs: expected 0 (exact log Z only) or at least 2, got " +
                     std::to_string(o.ais_runs));
  }
  // Every option is checked here, before minutes of AIS could be spent.
  if (o.mean_field_steps < 1) {
    throw UsageError("--mean-field-steps: must be at least 1, got " +
                     std::to_string(o.mean_field_steps));
  }
  if (o.ais_sweeps < 1) {
    throw UsageError("--ais-sweeps: must be at least 1, got " + std::to_string(o.ais_sweeps));
  }
  // 100 million steps is hours of AIS even on a tiny model, and the schedule is held
  // in memory: beyond that a number is a typo.
  if (o.ais_betas > 100'000'000) {
    throw UsageError("--ais-betas: at most 100000000, got " + std::to_string(o.ais_betas));
  }
  if (o.ais_runs > 0) eval::beta_schedule(o.ais_betas, options.ais.schedule);  // checks early

  const data::DataOptions data_options = resolve_data(model, o);
  report.data_name = data_options.name;
  const bool has_splits = data_options.name != "faces" && data_options.name != "bars_and_stripes";
  report.split = has_splits ? data_options.split : "all";
  // A model from other data can imply a bars_and_stripes side length that the
  // generator refuses; that is the same mismatch as a wrong pixel count.
  Index pixels = -1;
  try {
    pixels = data::expected_dimension(data_options);
  } catch (const UsageError&) {
    if (model.data.name == data_options.name) throw;
  }
  if (pixels != model.dbm.layer_size(0)) {
    const std::string has = pixels < 0 ? "no image size of its own that fits"
                                       : std::to_string(pixels) + " pixels per example";
    throw DataError(model_path + " has " + std::to_string(model.dbm.layer_size(0)) +
                    " visible units but --data " + data_options.name + " has " + has +
                    "; evaluate it on the data it was trained on (" + model.data.name + ")");
  }
  const data::Dataset dataset = data::load_dataset(data_options);
  for (const auto& warning : dataset.warnings) report.warnings.push_back(warning);
  if (dataset.size() == 0) throw DataError(dataset.source + ": no examples to evaluate");
  if (!has_splits && data_options.split == "test") {
    report.warnings.push_back(data_options.name +
                              " has no separate test split; evaluating on the whole set");
  }

  RowMajorMatrix binary;
  if (eval::is_binary(dataset.images)) {
    binary = dataset.images;
    report.data_note = "binary as given";
  } else {
    binary = eval::binarize(dataset.images, binarization, o.binarize_seed);
    switch (binarization) {
      case eval::Binarization::kStochastic:
        report.data_note = "binarised by Bern(x), seed " + std::to_string(o.binarize_seed);
        break;
      case eval::Binarization::kThreshold:
        report.data_note = "binarised by x >= 0.5";
        break;
      case eval::Binarization::kNone:
        report.data_note = "grey values, not binarised: the figures are not log-probabilities";
        report.warnings.push_back("--binarize none on grey data: log p(v) is defined for binary v only");
        break;
    }
  }

  // The AIS base rate comes from the model's training data (grey values).
  if (o.ais_runs > 0) {
    if (training_data != nullptr) {
      options.ais.base_visible_bias = eval::base_rate_visible_bias(*training_data);
      report.base_rate_note = "base rate of the " + std::to_string(training_data->rows()) +
                              " training examples";
    } else if (data_options.split == "train") {
      options.ais.base_visible_bias = eval::base_rate_visible_bias(dataset.images);
      report.base_rate_note = "base rate of the " + std::to_string(dataset.size()) +
                              " evaluated training examples";
    } else {
      data::DataOptions train_options = data_options;
      train_options.split = "train";
      train_options.limit =
          data_options.name == model.data.name ? static_cast<Index>(model.config.limit) : 0;
      try {
        const data::Dataset train = data::load_dataset(train_options);
        options.ais.base_visible_bias = eval::base_rate_visible_bias(train.images);
        report.base_rate_note =
            "base rate of " + std::to_string(train.size()) + " training examples";
      } catch (const DataError& e) {
        options.ais.base_visible_bias = eval::base_rate_visible_bias(dataset.images);
        report.base_rate_note = "base rate of the evaluated examples";
        report.warnings.push_back(std::string("training split unavailable for the AIS base rate (") +
                                  e.what() + "); using the evaluated examples");
      }
    }
  }

  const auto ais_start = std::chrono::steady_clock::now();
  auto last_log = ais_start;
  const auto progress = [&](Index done, Index total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_log < std::chrono::seconds(10)) return;
    last_log = now;
    const double elapsed = std::chrono::duration<double>(now - ais_start).count();
    const double fraction = static_cast<double>(done) / static_cast<double>(total);
    spdlog::info("AIS {:.0f}% ({}/{} betas), {:.0f} s, about {:.0f} s left", 100.0 * fraction,
                 done, total, elapsed, elapsed * (1.0 - fraction) / fraction);
  };
  report.result = eval::evaluate(model.dbm, binary, options, progress);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::vector<std::string> report_lines(const EvaluationReport& report) {
  const auto& r = report.result;
  const auto& o = report.options;
  std::vector<std::string> lines;
  lines.push_back("model          " + report.model_path + " (" + join(report.dimensions, "-") +
                  " " + model_kind(r) + ")");
  const std::string split = report.split == "all" ? ", all" : " " + report.split + " split,";
  lines.push_back("data           " + report.data_name + split + " " +
                  std::to_string(r.n_examples) + " examples (" + report.data_note + ")");
  if (r.exact_log_z) {
    lines.push_back("log Z          " + fixed(*r.exact_log_z, 4) + " exact (enumeration, " +
                    fixed(r.exact_seconds, 1) + " s)");
  }
  if (r.ais) {
    lines.push_back("log Z (AIS)    " + fixed(r.ais->log_z, 4) + ", +-3 sd interval (" +
                    fixed(r.ais->log_z_low, 4) + ", " + fixed(r.ais->log_z_high, 4) + "); " +
                    std::to_string(r.ais->n_runs) + " runs, " + std::to_string(r.ais->n_betas) +
                    " betas (" + o.ais_schedule + "), " + report.base_rate_note + ", " +
                    fixed(r.ais_seconds, 1) + " s");
  }
  const std::string kind = r.n_layers == 1
                               ? (r.log_z_is_exact ? "exact" : "exact given the AIS log Z")
                               : "mean-field lower bound";
  std::string line = "log-likelihood " + fixed(r.mean_log_likelihood, 2) + " nats per example (" +
                     kind;
  if (!r.log_z_is_exact) {
    line += "; " + fixed(r.mean_log_likelihood_low, 2) + " to " +
            fixed(r.mean_log_likelihood_high, 2) + " over the AIS interval";
  }
  lines.push_back(line + ")");
  if (r.n_layers > 1 && r.exact_mean_log_likelihood) {
    lines.push_back("exact log-lik. " + fixed(*r.exact_mean_log_likelihood, 4) +
                    " nats per example (bound gap " +
                    fixed(*r.exact_mean_log_likelihood - r.mean_log_likelihood, 4) + ")");
  }
  if (r.n_layers > 1) {
    lines.push_back("mean-field     " + fixed(r.mean_field_steps, 1) + " sweeps on average (at most " +
                    std::to_string(o.mean_field_steps) + ", tolerance 1e-7)");
  }
  lines.push_back("wall time      " + fixed(report.seconds, 1) + " s");
  return lines;
}

std::string report_json(const EvaluationReport& report) {
  const auto& r = report.result;
  const auto& o = report.options;
  std::ostringstream out;
  out << "{\n"
      << "  \"model\": " << json_string(report.model_path) << ",\n"
      << "  \"dimensions\": [" << join(report.dimensions, ", ") << "],\n"
      << "  \"kind\": \"" << model_kind(r) << "\",\n"
      << "  \"data\": " << json_string(report.data_name) << ",\n"
      << "  \"split\": " << json_string(report.split) << ",\n"
      << "  \"n_examples\": " << r.n_examples << ",\n"
      << "  \"data_note\": " << json_string(report.data_note) << ",\n"
      << "  \"log_z\": " << json_number(r.log_z) << ",\n"
      << "  \"log_z_is_exact\": " << (r.log_z_is_exact ? "true" : "false") << ",\n"
      << "  \"exact_log_z\": " << (r.exact_log_z ? json_number(*r.exact_log_z) : "null") << ",\n";
  if (r.ais) {
    out << "  \"ais\": {\"log_z\": " << json_number(r.ais->log_z)
        << ", \"log_z_low\": " << json_number(r.ais->log_z_low)
        << ", \"log_z_high\": " << json_number(r.ais->log_z_high)
        << ", \"log_z_base\": " << json_number(r.ais->log_z_base)
        << ", \"runs\": " << r.ais->n_runs << ", \"betas\": " << r.ais->n_betas
        << ", \"schedule\": " << json_string(o.ais_schedule)
        << ", \"sweeps_per_beta\": " << o.ais_sweeps << ", \"seed\": " << o.seed
        << ", \"base_rate\": " << json_string(report.base_rate_note)
        << ", \"seconds\": " << json_number(r.ais_seconds) << "},\n";
  } else {
    out << "  \"ais\": null,\n";
  }
  out << "  \"log_likelihood_kind\": \""
      << (r.n_layers == 1 ? (r.log_z_is_exact ? "exact" : "estimate") : "lower_bound") << "\",\n"
      << "  \"mean_log_likelihood\": " << json_number(r.mean_log_likelihood) << ",\n"
      << "  \"mean_log_likelihood_low\": " << json_number(r.mean_log_likelihood_low) << ",\n"
      << "  \"mean_log_likelihood_high\": " << json_number(r.mean_log_likelihood_high) << ",\n"
      << "  \"exact_mean_log_likelihood\": "
      << (r.exact_mean_log_likelihood ? json_number(*r.exact_mean_log_likelihood) : "null") << ",\n"
      << "  \"mean_field_steps\": " << json_number(r.mean_field_steps) << ",\n"
      << "  \"likelihood_seconds\": " << json_number(r.likelihood_seconds) << ",\n"
      << "  \"seconds\": " << json_number(report.seconds) << "\n"
      << "}";
  return out.str();
}

void log_evaluation(const io::ModelFile& model, const std::string& model_path,
                    const RowMajorMatrix& training_data) {
  spdlog::info("evaluating on the test split (--evaluate)");
  try {
    const EvaluationReport report =
        evaluate_model(model, model_path, EvaluateOptions{}, &training_data);
    for (const auto& warning : report.warnings) spdlog::warn("{}", warning);
    for (const auto& line : report_lines(report)) spdlog::info("{}", line);
  } catch (const Error& e) {
    // The model is saved; a missing test split must not turn the run into a failure.
    spdlog::warn("evaluation skipped: {}", e.what());
  }
}

namespace {

class EvaluateCommand : public Command {
 public:
  CLI::App* add_to(CLI::App& root) override {
    auto* app = root.add_subcommand(
        "evaluate",
        "log Z (exact or AIS, with its error bar) and the average log-likelihood in nats "
        "(exact for an RBM, mean-field lower bound for a DBM)");
    auto& o = options_;
    app->add_option("--model", o.model, "run folder or its dbm.cereal")->required();
    app->add_option("--data", o.data,
                    "mnist | fashion_mnist | faces | bars_and_stripes (default: the model's)");
    app->add_option("--data-dir", o.data_dir, "root holding mnist/, fashion_mnist/, faces/ "
                                              "(default: the model's)");
    app->add_option("--faces-dir", o.faces_dir, "faces: folder searched for *.pgm");
    app->add_option("--image-size", o.image_size, "faces: side length (default: the model's)");
    app->add_option("--split", o.split, "train | test")
        ->capture_default_str()
        ->check(CLI::IsMember({"train", "test"}));
    app->add_option("--limit", o.limit, "evaluate only the first N examples (0: all)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app->add_option("--ais-runs", o.ais_runs,
                    "AIS chains run in parallel (0: exact log Z only, for small models)")
        ->capture_default_str();
    app->add_option("--ais-betas", o.ais_betas, "AIS annealing steps (intermediate distributions)")
        ->capture_default_str();
    app->add_option("--ais-schedule", o.ais_schedule,
                    "piecewise (Salakhutdinov & Murray's spacing, scaled) | uniform")
        ->capture_default_str();
    app->add_option("--ais-sweeps", o.ais_sweeps, "Gibbs sweeps per AIS step")
        ->capture_default_str();
    app->add_option("--seed", o.seed, "seed of the AIS chains")->capture_default_str();
    app->add_option("--binarize", o.binarize,
                    "stochastic (Bern(x), fixed seed) | threshold (x >= 0.5) | none")
        ->capture_default_str();
    app->add_option("--binarize-seed", o.binarize_seed, "seed of the stochastic binarisation")
        ->capture_default_str();
    app->add_option("--mean-field-steps", o.mean_field_steps,
                    "DBM: mean-field sweeps at most (tolerance 1e-7)")
        ->capture_default_str();
    app->add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str();
    app->add_flag("--json", o.json, "print the result as JSON");
    return app;
  }

  int run() override {
    train::validate_thread_count(options_.threads);
    set_thread_count(options_.threads);
    const io::ModelFile model = io::load_model(options_.model);
    const std::string path = io::resolve_model_file(options_.model).string();
    const EvaluationReport report = evaluate_model(model, path, options_);
    for (const auto& warning : report.warnings) spdlog::warn("{}", warning);
    if (options_.json) {
      std::cout << report_json(report) << std::endl;
    } else {
      std::ostringstream out;
      for (const auto& line : report_lines(report)) out << line << "\n";
      std::cout << out.str() << std::flush;
    }
    return 0;
  }

 private:
  EvaluateOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_evaluate_command() { return std::make_unique<EvaluateCommand>(); }

}  // namespace dbm::cli
