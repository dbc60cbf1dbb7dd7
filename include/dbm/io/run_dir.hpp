#pragma once
// Run folders: <models-dir>/<YYYY_MM_DD_HH_MM_SS>_<dims joined by _>_<data>_dbm/
// (the original tool's naming, SPEC §5).

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace dbm::io {

// The folder name for a run started at `start` (UTC... local time as the original).
std::string run_folder_name(std::chrono::system_clock::time_point start,
                            const std::vector<int>& dimensions, const std::string& data_name);

// Creates <models_dir>/<name>/ (and models_dir itself), adding a _2, _3 ... suffix
// if a folder of that name exists, and proves it writable by creating and removing
// a probe file. Throws dbm::OutputError naming the folder and what to do.
std::filesystem::path create_run_folder(const std::filesystem::path& models_dir,
                                        const std::string& name);

}  // namespace dbm::io
