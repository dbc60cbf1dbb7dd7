#pragma once
// Sample grids as PNG files, shared by `train_dbm sample` and the training command
// (which writes samples.png into every run folder). Implemented in
// sample_command.cpp.

#include <filesystem>

#include "dbm/io/png.hpp"
#include "dbm/model/dbm.hpp"
#include "dbm/model/sampler.hpp"

namespace dbm::cli {

// Runs the chains of `options` (from the rows of `*start` when given, else at random)
// and writes the final mean-field images to `out` as a grid of `tile`-shaped tiles in
// `columns` columns; with options.snapshot_every = K > 0 it also writes the grid at
// sweeps 0, K, 2K, ... to io::snapshot_path(out, sweep, gibbs_steps). Logs each
// file written. Throws dbm::Error subclasses (OutputError for an unwritable file).
void write_sample_grids(const model::Dbm& dbm, const model::SamplerOptions& options,
                        const Matrix* start, io::TileShape tile, int columns,
                        const std::filesystem::path& out);

// The end of a training run: 100 samples after 1000 sweeps from random states,
// seeded with the run's seed, written to <run_dir>/samples.png. A failure is logged
// as a warning (the model is already saved) and does not change the exit code.
void write_run_samples(const model::Dbm& dbm, io::TileShape tile, std::uint64_t seed,
                       const std::filesystem::path& run_dir);

}  // namespace dbm::cli
