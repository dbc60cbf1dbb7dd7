// dbm_bench: the C++ half of scripts/bench (SPEC §7, issue 6). In one run it
// measures this machine's GEMM peak at the training shapes (gemm.hpp), the engine's
// training throughput on real MNIST (workloads.hpp) and the peak memory of a real
// train_dbm run (peak_memory.hpp), and prints one JSON object on stdout (progress
// goes to stderr). scripts/bench adds the peers and prints the table.
//
//   dbm_bench [--quick] [--data mnist] [--data-dir data] [--threads 0]
//             [--train-dbm build/train_dbm] [--examples N] [--ais-betas K] [--out FILE]
//
// --examples and --ais-betas shrink the workloads below --quick's sizes: the ctest
// smoke test uses them (with Fashion-MNIST, which has MNIST's shapes) to check the
// JSON in seconds. Figures from such a run mean nothing.
//
// Exit codes: 0 success, 2 bad usage, 1 any failure, including a failed sanity check
// (a workload that did not really train reports no figure).

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>

#include "dbm/core/error.hpp"
#include "dbm/core/linalg.hpp"
#include "dbm/core/process_environment.hpp"
#include "dbm/data/dataset.hpp"
#include "flops.hpp"
#include "gemm.hpp"
#include "json_writer.hpp"
#include "peak_memory.hpp"
#include "workloads.hpp"

namespace {

#ifdef DBM_OPENBLAS
extern "C" char* openblas_get_corename();
#endif

using namespace dbm;
using namespace dbm::bench;

// How much work each part does: --quick keeps the whole scripts/bench run short.
struct Sizes {
  double gemm_trial_seconds;
  int gemm_trials;
  Index rbm_b100_examples;
  Index rbm_b5_examples;
  Index dbm_pretrain_examples;
  Index dbm_joint_examples;
  Index ais_betas;
};

constexpr Sizes kQuick{0.05, 3, 20000, 5000, 5000, 5000, 500};
constexpr Sizes kFull{0.25, 5, kEpochExamples, kEpochExamples, kEpochExamples, kEpochExamples,
                      2000};

void note(const std::string& text) { std::fprintf(stderr, "[dbm_bench] %s\n", text.c_str()); }

std::string fixed(double value, int digits = 1) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

void report(const WorkloadResult& r, double peak) {
  note(r.name + ": " + fixed(r.examples_per_s, 0) + " examples/s, " + fixed(r.gflops) +
       " GFLOP/s (" + fixed(100.0 * r.gflops / peak) + " % of peak) over " +
       std::to_string(r.examples) + " examples in " + fixed(r.seconds, 2) + " s");
}

void write_workload(JsonWriter& json, const WorkloadResult& r, double peak, int threads) {
  json.begin_object(r.name);
  json.field("description", r.description);
  json.field("batch_size", static_cast<long long>(r.batch_size));
  json.field("threads", threads);
  json.field("examples", static_cast<long long>(r.examples));
  json.field("seconds", r.seconds);
  json.field("seconds_per_epoch", r.seconds_per_epoch);
  json.field("examples_per_s", r.examples_per_s);
  json.field("flops_per_example", r.flops_per_example);
  json.field("gflops", r.gflops);
  json.field("fraction_of_peak", r.gflops / peak);
  if (r.ais_runs > 0) {
    json.field("runs", static_cast<long long>(r.ais_runs));
    json.field("betas", static_cast<long long>(r.ais_betas));
    json.field("betas_per_s", r.betas_per_s);
    json.field("log_z", r.log_z);
  }
  if (r.mean_field_steps > 0.0) json.field("mean_field_steps", r.mean_field_steps);
  json.begin_object("sanity");
  json.field("finite", r.finite);
  json.field(r.ais_runs > 0 ? "log_weight_range" : "max_abs_weight_change", r.max_abs_change);
  json.end_object();
  json.end_object();
}

struct Options {
  bool quick = false;
  std::string data = "mnist";
  std::string data_dir = "data";
  int threads = 0;
  std::string train_dbm;
  std::string out_path;
  Index max_examples = 0;  // > 0: cap every workload's examples
  Index ais_betas = 0;     // > 0: replaces the mode's number of AIS betas
  double gemm_seconds = 0.0;  // > 0: replaces the mode's GEMM trial length
};

// The mode's sizes, shrunk by --examples, --ais-betas and --gemm-seconds.
Sizes sizes_for(const Options& o) {
  Sizes sizes = o.quick ? kQuick : kFull;
  if (o.max_examples > 0) {
    for (Index* n : {&sizes.rbm_b100_examples, &sizes.rbm_b5_examples,
                     &sizes.dbm_pretrain_examples, &sizes.dbm_joint_examples}) {
      *n = std::min(*n, o.max_examples);
    }
  }
  if (o.ais_betas > 0) sizes.ais_betas = o.ais_betas;
  if (o.gemm_seconds > 0.0) sizes.gemm_trial_seconds = o.gemm_seconds;
  return sizes;
}

// Who computes the engine's products: OpenBLAS behind Eigen (DBM_OPENBLAS, with the
// kernel it picked for this CPU), or Eigen's own GEMM.
std::string gemm_backend() {
#ifdef DBM_OPENBLAS
  return std::string("OpenBLAS ") + openblas_get_corename() + " kernel, via EIGEN_USE_BLAS";
#else
  return "Eigen's own GEMM";
#endif
}

int run(const Options& o) {
  const Sizes sizes = sizes_for(o);
  const bool quick = o.quick;
  const std::string& data_dir = o.data_dir;
  const std::string& train_dbm = o.train_dbm;
  const int threads = o.threads;
  set_thread_count(threads);
  const int n_threads = thread_count();
  const std::vector<int> dbm_dims{784, 500, 1000};

  note(std::string(quick ? "quick" : "full") + " run, " + std::to_string(n_threads) +
       " threads, Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
       std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) + " (" +
       Eigen::SimdInstructionSetsInUse() + "), products: " + gemm_backend());

  // (a) the peak.
  const auto shapes = joint_step_shapes(dbm_dims, 100, 10, 5);
  const GemmPeak gemm = measure_gemm_peak(shapes, sizes.gemm_trial_seconds, sizes.gemm_trials);
  for (const auto& m : gemm.shapes) {
    note("GEMM " + m.shape.name + " x" + std::to_string(m.shape.uses_per_step) +
         ": split " + fixed(m.split_gflops) + ", dbm::multiply " + fixed(m.multiply_gflops) +
         ", plain Eigen 1 thread " + fixed(m.eigen_single_gflops) + " GFLOP/s");
  }
  const double peak = gemm.peak_gflops;
  note("peak (FLOP-weighted over a joint DBM step) " + fixed(peak) + " GFLOP/s: split " +
       fixed(gemm.split_weighted_gflops) + ", dbm::multiply " +
       fixed(gemm.multiply_weighted_gflops) + ", plain Eigen 1 thread " +
       fixed(gemm.eigen_single_weighted_gflops) + "; best shape " + fixed(gemm.best_gflops));

  // (b) the workloads, on real MNIST.
  data::DataOptions options;
  options.name = o.data;
  options.data_dir = data_dir;
  options.limit = std::max({sizes.rbm_b100_examples, sizes.rbm_b5_examples,
                            sizes.dbm_pretrain_examples, sizes.dbm_joint_examples});
  const data::Dataset mnist = data::load_dataset(options);
  if (mnist.dimension() != dbm_dims.front()) {
    throw Error("--data " + o.data + ": the workloads need 784-pixel images, got " +
                std::to_string(mnist.dimension()));
  }
  note(o.data + ": " + std::to_string(mnist.size()) + " training images from " + mnist.source);

  std::vector<WorkloadResult> results;
  results.push_back(bench_rbm_cd1(mnist.images, 500, 100, sizes.rbm_b100_examples, "rbm_cd1_b100"));
  report(results.back(), peak);
  results.push_back(bench_rbm_cd1(mnist.images, 500, 5, sizes.rbm_b5_examples, "rbm_cd1_b5"));
  report(results.back(), peak);
  model::Dbm dbm;
  results.push_back(bench_dbm_joint(mnist.images, dbm_dims, sizes.dbm_pretrain_examples,
                                    sizes.dbm_joint_examples, dbm));
  report(results.back(), peak);
  results.push_back(bench_ais(dbm, mnist.images, sizes.ais_betas));
  report(results.back(), peak);

  // (c) peak memory of a real run.
  std::optional<PeakMemory> memory;
  if (!train_dbm.empty()) {
    note("peak memory: running train_dbm on full " + o.data +
         (quick ? " (stopped a few seconds into joint training)" : " (to the end)"));
    memory = measure_training_memory(train_dbm, o.data, data_dir, n_threads, quick);
    note("peak memory " + fixed(memory->peak_rss_mib) + " MiB (" + fixed(memory->seconds, 0) +
         " s run)");
  }

  JsonWriter json;
  json.begin_object();
  json.field("harness", "dbm_bench");
  json.field("mode", quick ? "quick" : "full");
  json.field("data", o.data);
  json.field("threads", n_threads);
  json.field("eigen_version", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                  std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                  std::to_string(EIGEN_MINOR_VERSION));
  json.field("simd", Eigen::SimdInstructionSetsInUse());
  json.field("gemm_backend", gemm_backend());
  json.field("peak_gflops", peak);
  json.field("peak_definition",
             "FLOP-weighted mean rate over the products of one joint DBM step (784-500-1000, "
             "batch 100, 100 particles, 10 mean-field steps, 5 sweeps) at " +
                 std::to_string(n_threads) +
                 " threads: the faster of plain Eigen with one column block per thread "
                 "(split) and the engine's dbm::multiply");
  json.begin_object("gemm");
  json.field("best_gflops", gemm.best_gflops);
  json.field("split_weighted_gflops", gemm.split_weighted_gflops);
  json.field("multiply_weighted_gflops", gemm.multiply_weighted_gflops);
  json.field("eigen_single_thread_weighted_gflops", gemm.eigen_single_weighted_gflops);
  json.field("max_abs_difference", gemm.max_abs_difference);
  json.begin_array("shapes");
  for (const auto& m : gemm.shapes) {
    json.begin_object();
    json.field("name", m.shape.name);
    json.field("m", static_cast<long long>(m.shape.m));
    json.field("k", static_cast<long long>(m.shape.k));
    json.field("n", static_cast<long long>(m.shape.n));
    json.field("uses_per_step", m.shape.uses_per_step);
    json.field("split_gflops", m.split_gflops);
    json.field("multiply_gflops", m.multiply_gflops);
    json.field("eigen_single_thread_gflops", m.eigen_single_gflops);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  json.begin_object("workloads");
  for (const auto& r : results) write_workload(json, r, peak, n_threads);
  json.end_object();
  if (memory) {
    json.begin_object("memory");
    json.field("peak_rss_mib", memory->peak_rss_mib);
    json.field("peak_rss_bytes", static_cast<long long>(memory->peak_rss_kib) * 1024);
    json.field("target_mib", 1024.0);
    json.field("within_target", memory->peak_rss_mib <= 1024.0);
    json.field("stopped_in_joint_training", memory->stopped_in_joint_training);
    json.field("exit_code", memory->exit_code);
    json.field("seconds", memory->seconds);
    json.field("command", memory->command);
    json.end_object();
  }
  json.end_object();

  const std::string& out_path = o.out_path;
  if (out_path.empty()) {
    std::cout << json.text() << '\n';
  } else {
    std::ofstream out(out_path);
    out << json.text() << '\n';
    if (!out) throw Error("cannot write " + out_path);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The environment train_dbm runs in, so the figures are what its users get.
  reexec_with_engine_environment(argv);
  CLI::App app{"dbm_bench: GEMM peak, training throughput and peak memory of train_dbm",
               "dbm_bench"};
  Options o;
  app.add_flag("--quick", o.quick, "subsets and short timings (whole scripts/bench in < 3 min)");
  app.add_option("--data", o.data, "mnist, or fashion_mnist (same shapes; for tests)")
      ->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "root holding mnist/")->capture_default_str();
  app.add_option("--threads", o.threads, "threads (0: all cores)")->capture_default_str();
  app.add_option("--train-dbm", o.train_dbm,
                 "the train_dbm executable whose peak memory to measure (none: skipped)");
  app.add_option("--out", o.out_path, "write the JSON object here instead of stdout");
  app.add_option("--examples", o.max_examples, "at most N examples per workload (smoke tests)")
      ->check(CLI::PositiveNumber);
  app.add_option("--ais-betas", o.ais_betas, "AIS inverse temperatures (smoke tests)")
      ->check(CLI::PositiveNumber);
  app.add_option("--gemm-seconds", o.gemm_seconds, "length of one GEMM timing trial")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints --help, or the message
    return code == 0 ? 0 : 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dbm_bench: error: %s\n", e.what());
    return 1;
  }
}
