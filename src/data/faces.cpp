#include "dbm/data/faces.hpp"

#include <algorithm>
#include <cctype>
#include <new>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "dbm/core/error.hpp"
#include "dbm/data/image_ops.hpp"
#include "dbm/data/pgm.hpp"

namespace dbm::data {
namespace {

namespace fs = std::filesystem;

std::string how_to_get_faces(const fs::path& folder) {
  return "download lfwcrop_grey.zip from the LFW-crop site "
         "(http://conradsanderson.id.au/lfwcrop/) and unpack its faces/ folder into " +
         folder.string() + ", or pass --faces-dir";
}

bool has_pgm_extension(const fs::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".pgm";
}

std::vector<fs::path> find_pgm_files(const fs::path& folder) {
  std::error_code error;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code ignored;
    if (it->is_regular_file(ignored) && has_pgm_extension(it->path())) files.push_back(it->path());
  }
  if (error) {
    throw DataError("faces: cannot list " + folder.string() + " (" + error.message() +
                    "); check the folder's permissions");
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Dataset load_faces(const DataOptions& options) {
  if (options.image_size < 1) {
    throw UsageError("--image-size: must be at least 1, got " + std::to_string(options.image_size));
  }
  const fs::path folder =
      options.faces_dir.empty() ? options.data_dir / "faces" : options.faces_dir;
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    const bool exists = fs::exists(folder, error);
    throw DataError("faces: " + folder.string() + (exists ? " is not a folder; " : " not found; ") +
                    how_to_get_faces(folder));
  }
  std::vector<fs::path> files = find_pgm_files(folder);
  if (files.empty()) {
    throw DataError("faces: no *.pgm files under " + folder.string() + "; " +
                    how_to_get_faces(folder));
  }
  if (options.limit > 0 && static_cast<std::size_t>(options.limit) < files.size()) {
    files.resize(static_cast<std::size_t>(options.limit));
  }

  const int side = options.image_size;
  const Index n_images = static_cast<Index>(files.size());
  const Index dimension = static_cast<Index>(side) * side;
  Dataset dataset;
  dataset.name = "faces";
  dataset.source = folder.string();
  dataset.width = side;
  dataset.height = side;
  try {
    dataset.images.resize(n_images, dimension);
  } catch (const std::bad_alloc&) {
    throw DataError("faces: not enough memory for " + std::to_string(n_images) + " images of " +
                    std::to_string(side) + "x" + std::to_string(side) + " from " + folder.string() +
                    "; use --limit or a smaller --image-size");
  }

  for (Index row = 0; row < n_images; ++row) {
    GreyImage image = read_pgm(files[static_cast<std::size_t>(row)]);
    std::span<float> pixels(dataset.images.row(row).data(), static_cast<std::size_t>(dimension));
    resize_area(image.pixels, image.width, image.height, pixels, side, side);
    sparsify(pixels);
    for (std::string& warning : image.warnings) dataset.warnings.push_back(std::move(warning));
  }
  return dataset;
}

}  // namespace dbm::data
