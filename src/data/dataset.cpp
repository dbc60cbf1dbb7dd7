#include "dbm/data/dataset.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <system_error>

#include "dbm/core/error.hpp"
#include "dbm/data/faces.hpp"
#include "dbm/data/idx.hpp"

namespace dbm::data {
namespace {

namespace fs = std::filesystem;

constexpr int kMnistSide = 28;
constexpr int kMaxBarsSize = 16;  // 2^17 images of 256 pixels; larger sets are not useful
const fs::path kDebianFashionDir = "/usr/share/datasets/fashion-mnist";

// Where one IDX data set lives and how the user gets it.
struct IdxSource {
  std::string title;              // "MNIST"
  std::vector<fs::path> folders;  // searched in order
  std::string how_to_get;         // appended to the "not found" error
};

void check_common(const DataOptions& options) {
  if (options.split != "train" && options.split != "test") {
    throw UsageError("data split '" + options.split + "': expected train or test");
  }
  if (options.limit < 0) {
    throw UsageError("--limit: must be 0 (all) or more, got " + std::to_string(options.limit));
  }
}

int checked_bars_size(const DataOptions& options) {
  if (options.bars_size < 1 || options.bars_size > kMaxBarsSize) {
    throw UsageError("bars_and_stripes: side length must be between 1 and " +
                     std::to_string(kMaxBarsSize) + ", got " + std::to_string(options.bars_size));
  }
  return options.bars_size;
}

IdxSource idx_source(const DataOptions& options) {
  if (options.name == "mnist") {
    return {"MNIST", {options.data_dir / "mnist"}, "run scripts/fetch-data mnist"};
  }
  return {"Fashion-MNIST",
          {options.data_dir / "fashion_mnist", kDebianFashionDir},
          "run scripts/fetch-data fashion_mnist (or apt-get install dataset-fashion-mnist)"};
}

// Both spellings seen in the wild, raw or gzip; the first that exists wins.
std::optional<fs::path> find_idx_file(const fs::path& folder, const std::string& stem,
                                      const std::string& kind) {
  for (const std::string& name : {stem + "-" + kind, stem + "." + kind}) {
    for (const char* suffix : {"", ".gz"}) {
      std::error_code ignored;
      const fs::path candidate = folder / (name + suffix);
      if (fs::is_regular_file(candidate, ignored)) return candidate;
    }
  }
  return std::nullopt;
}

Dataset load_idx_dataset(const DataOptions& options) {
  const IdxSource where = idx_source(options);
  const std::string prefix = options.split == "train" ? "train" : "t10k";

  std::optional<fs::path> images_file;
  fs::path folder;
  for (const auto& candidate : where.folders) {
    images_file = find_idx_file(candidate, prefix + "-images", "idx3-ubyte");
    if (images_file) {
      folder = candidate;
      break;
    }
  }
  if (!images_file) {
    std::string looked;
    for (const auto& candidate : where.folders) {
      if (!looked.empty()) looked += " or ";
      looked += candidate.string() + "/";
    }
    throw DataError(where.title + " " + options.split + " images not found in " + looked +
                    " (looked for " + prefix + "-images-idx3-ubyte or " + prefix +
                    "-images.idx3-ubyte, optionally .gz); " + where.how_to_get);
  }

  const IdxImages raw = read_idx_images(*images_file, options.limit);
  if (raw.rows != kMnistSide || raw.cols != kMnistSide) {
    throw DataError(images_file->string() + ": images are " + std::to_string(raw.rows) + "x" +
                    std::to_string(raw.cols) + ", expected 28x28 for " + options.name);
  }

  Dataset data;
  data.name = options.name;
  data.source = images_file->string();
  data.width = static_cast<int>(raw.cols);
  data.height = static_cast<int>(raw.rows);
  const Index dimension = raw.rows * raw.cols;
  using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  data.images =
      Eigen::Map<const ByteMatrix>(raw.pixels.data(), raw.count, dimension).cast<float>() / 255.0f;

  // Labels are tiny, so read them whole: that also checks their count against the
  // image file's whenever the images were read whole.
  if (const auto labels_file = find_idx_file(folder, prefix + "-labels", "idx1-ubyte")) {
    auto labels = read_idx_labels(*labels_file);
    const auto n_labels = static_cast<Index>(labels.size());
    const bool images_complete = options.limit == 0 || raw.count < options.limit;
    if (n_labels < raw.count || (images_complete && n_labels != raw.count)) {
      throw DataError(labels_file->string() + ": has " + std::to_string(n_labels) + " labels but " +
                      images_file->string() + " has " + std::to_string(raw.count) + " images; " +
                      where.how_to_get);
    }
    labels.resize(static_cast<std::size_t>(raw.count));
    const auto bad = std::find_if(labels.begin(), labels.end(), [](auto l) { return l > 9; });
    if (bad != labels.end()) {
      throw DataError(labels_file->string() + ": label " + std::to_string(*bad) + " at index " +
                      std::to_string(bad - labels.begin()) + " is outside 0..9; " +
                      where.how_to_get);
    }
    data.labels = std::move(labels);
  } else {
    data.warnings.push_back(
        folder.string() + "/: no " + prefix +
        "-labels-idx1-ubyte[.gz] next to the images; continuing without labels");
  }
  return data;
}

// Order: the "bars" family first (row r on iff bit r of a mask, masks 0 .. 2^n-1, which
// includes all-off and all-on), then the "stripes" family (column c on iff bit c, masks
// 1 .. 2^n-2, skipping the two images already listed).
Dataset bars_and_stripes(const DataOptions& options) {
  const int n = checked_bars_size(options);
  const Index n_masks = Index{1} << n;
  const Index total = 2 * n_masks - 2;
  const Index count = options.limit > 0 ? std::min(options.limit, total) : total;

  Dataset data;
  data.name = options.name;
  data.source = "built-in bars_and_stripes " + std::to_string(n) + "x" + std::to_string(n);
  data.width = data.height = n;
  data.images.setZero(count, Index{n} * n);
  for (Index i = 0; i < count; ++i) {
    const bool bars = i < n_masks;
    const Index mask = bars ? i : i - n_masks + 1;
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        const int bit = bars ? r : c;
        data.images(i, r * n + c) = static_cast<float>((mask >> bit) & 1);
      }
    }
  }
  return data;
}

}  // namespace

Index expected_dimension(const DataOptions& options) {
  if (options.name == "mnist" || options.name == "fashion_mnist") {
    return Index{kMnistSide} * kMnistSide;
  }
  if (options.name == "faces") return Index{options.image_size} * options.image_size;
  if (options.name == "bars_and_stripes") {
    const int n = checked_bars_size(options);
    return Index{n} * n;
  }
  throw UsageError("--data: unknown data set '" + options.name +
                   "'; choose mnist, fashion_mnist, faces or bars_and_stripes");
}

Dataset load_dataset(const DataOptions& options) {
  expected_dimension(options);  // rejects unknown names first
  check_common(options);
  if (options.name == "mnist" || options.name == "fashion_mnist") return load_idx_dataset(options);
  if (options.name == "bars_and_stripes") return bars_and_stripes(options);

  Dataset data = load_faces(options);
  if (options.limit > 0 && data.size() > options.limit) {
    data.images.conservativeResize(options.limit, Eigen::NoChange);
    if (!data.labels.empty()) data.labels.resize(static_cast<std::size_t>(options.limit));
  }
  return data;
}

}  // namespace dbm::data
