#include "dbm/io/model_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/vector.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <new>
#include <sstream>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "dbm/core/error.hpp"
#include "eigen_cereal.hpp"

namespace dbm::io {

// Writes a ModelFile into any cereal output archive; the layout is documented in
// model_file.hpp. Found by cereal through argument-dependent lookup.
template <class Archive>
void save(Archive& ar, const ModelFile& model, std::uint32_t /*version*/) {
  std::vector<int> dimensions;
  for (const auto& bias : model.dbm.biases) dimensions.push_back(static_cast<int>(bias.size()));
  ar(dimensions);
  ar(cereal::make_size_tag(static_cast<cereal::size_type>(model.dbm.weights.size())));
  for (const auto& w : model.dbm.weights) detail::save_dense(ar, w);
  ar(cereal::make_size_tag(static_cast<cereal::size_type>(model.dbm.biases.size())));
  for (const auto& a : model.dbm.biases) detail::save_dense(ar, a);
  ar(cereal::make_size_tag(static_cast<cereal::size_type>(model.particles.size())));
  for (const auto& p : model.particles) detail::save_dense(ar, p);
  ar(model.config, model.data, model.metrics, model.engine_version, model.created_utc,
     model.training_seconds);
}

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHeaderBytes = 12;  // magic + format version

std::string quote(const fs::path& path) {
  // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "'" + s + "'".
  std::string text(1, '\'');
  text += path.string();
  text += '\'';
  return text;
}

std::string os_reason(int error) { return std::generic_category().message(error); }

std::string join(const std::vector<int>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(values[i]);
  }
  return text;
}

std::string indexed(const char* field, std::size_t l) {
  return std::string(field) + "[" + std::to_string(l) + "]";
}

// The file does not parse: truncated, a corrupted length, an impossible version.
struct Corrupt : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The file parses but a field disagrees with the layer sizes; the message names it.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------
// Reading. cereal's own PortableBinaryInputArchive resizes strings and vectors to
// whatever length the file claims before reading them, so one flipped bit in a length
// can ask for terabytes. This archive reads the same bytes from memory and checks every
// length against the bytes that remain before anything is allocated.

class CheckedInputArchive
    : public cereal::InputArchive<CheckedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // `bytes` is the archive; `file_offset` is where it starts in the file (for messages).
  CheckedInputArchive(std::string_view bytes, std::size_t file_offset)
      : InputArchive(this), bytes_(bytes), file_offset_(file_offset) {
    std::uint8_t little_endian = 0;
    read(&little_endian, 1, 1);
    if (little_endian > 1) {
      throw Corrupt("byte " + std::to_string(file_offset) + " should be 0 or 1, not " +
                    std::to_string(little_endian));
    }
    swap_ = (little_endian == 1) != (std::endian::native == std::endian::little);
  }

  std::uint64_t bytes_left() const { return bytes_.size() - position_; }

  // Copies `n_bytes` out and byte-swaps each `element_size`-byte value if the file's
  // byte order differs from this machine's.
  void read(void* out, std::uint64_t n_bytes, std::size_t element_size) {
    if (n_bytes > bytes_left()) {
      throw Corrupt("the file ends at byte " + std::to_string(file_offset_ + bytes_.size()) +
                    " where " + std::to_string(n_bytes) + " more bytes were expected");
    }
    // An empty vector's data() may be null, and memcpy from or to null is undefined
    // even for 0 bytes (found by fuzz/model_fuzz: a stored layer-size count of 0).
    if (n_bytes == 0) return;
    auto* target = static_cast<unsigned char*>(out);
    std::memcpy(target, bytes_.data() + position_, static_cast<std::size_t>(n_bytes));
    position_ += static_cast<std::size_t>(n_bytes);
    if (swap_ && element_size > 1) {
      for (std::uint64_t i = 0; i + element_size <= n_bytes; i += element_size) {
        std::reverse(target + i, target + i + element_size);
      }
    }
  }

  // A container length: each element takes at least one byte, so a length above the
  // remaining bytes is corruption, caught here before the container is resized.
  void check_length(std::uint64_t length) const {
    if (length > bytes_left()) {
      throw Corrupt("a stored length of " + std::to_string(length) + " at byte " +
                    std::to_string(file_offset_ + position_ - sizeof(std::uint64_t)) +
                    " exceeds the " + std::to_string(bytes_left()) + " bytes that remain");
    }
  }

 private:
  std::string_view bytes_;
  std::size_t file_offset_;
  std::size_t position_ = 0;
  bool swap_ = false;
};

template <class T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, int> = 0>
void CEREAL_LOAD_FUNCTION_NAME(CheckedInputArchive& ar, T& value) {
  ar.read(std::addressof(value), sizeof(T), sizeof(T));
}

void CEREAL_LOAD_FUNCTION_NAME(CheckedInputArchive& ar, bool& value) {
  std::uint8_t byte = 0;
  ar.read(&byte, 1, 1);
  if (byte > 1) throw Corrupt("a stored flag is " + std::to_string(byte) + ", not 0 or 1");
  value = byte == 1;
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(CheckedInputArchive& ar, cereal::NameValuePair<T>& field) {
  ar(field.value);
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(CheckedInputArchive& ar, cereal::SizeTag<T>& tag) {
  ar(tag.size);
  ar.check_length(static_cast<std::uint64_t>(tag.size));
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(CheckedInputArchive& ar, cereal::BinaryData<T>& data) {
  using Element = std::remove_cv_t<std::remove_pointer_t<T>>;
  ar.read(data.data, data.size, sizeof(Element));
}

std::uint64_t load_count(CheckedInputArchive& ar) {
  cereal::size_type count = 0;
  ar(cereal::make_size_tag(count));
  return count;
}

std::string shape_problem(const std::string& field, std::uint64_t rows, std::uint64_t cols,
                          std::uint64_t want_rows, std::uint64_t want_cols,
                          const std::vector<int>& dimensions) {
  if (rows == want_rows && cols == want_cols) return {};
  return field + " is " + std::to_string(rows) + "x" + std::to_string(cols) + "; layer sizes " +
         join(dimensions) + " need " + std::to_string(want_rows) + "x" + std::to_string(want_cols);
}

void load(CheckedInputArchive& ar, ModelFile& model, std::uint32_t version) {
  if (version != 1) {
    throw Corrupt("the model section has version " + std::to_string(version) + ", which format " +
                  std::to_string(kModelFormatVersion) + " never writes");
  }
  std::vector<int> dims;
  ar(dims);
  if (dims.size() < 2) {
    throw BadField("layer sizes: " + std::to_string(dims.size()) +
                   " stored; a DBM has at least two (visible and one hidden)");
  }
  for (int size : dims) {
    if (size < 1 || static_cast<std::uint64_t>(size) > detail::kMaxStoredExtent) {
      throw BadField("layer sizes: " + join(dims) + " include an impossible size " +
                     std::to_string(size));
    }
  }
  const std::size_t n_layers = dims.size() - 1;
  const auto dim = [&](std::size_t l) { return static_cast<std::uint64_t>(dims[l]); };

  if (const auto count = load_count(ar); count != n_layers) {
    throw BadField("weights: " + std::to_string(count) + " matrices stored; layer sizes " +
                   join(dims) + " need " + std::to_string(n_layers));
  }
  model.dbm.weights.assign(n_layers, Matrix());
  for (std::size_t l = 0; l < n_layers; ++l) {
    detail::load_dense(ar, model.dbm.weights[l], [&](std::uint64_t rows, std::uint64_t cols) {
      const auto field = indexed("weights", l) + " (W_" + std::to_string(l + 1) + ")";
      const auto problem = shape_problem(field, rows, cols, dim(l), dim(l + 1), dims);
      if (!problem.empty()) throw BadField(problem);
    });
  }

  if (const auto count = load_count(ar); count != n_layers + 1) {
    throw BadField("biases: " + std::to_string(count) + " vectors stored; layer sizes " +
                   join(dims) + " need " + std::to_string(n_layers + 1));
  }
  model.dbm.biases.assign(n_layers + 1, Vector());
  for (std::size_t l = 0; l <= n_layers; ++l) {
    detail::load_dense(ar, model.dbm.biases[l], [&](std::uint64_t rows, std::uint64_t cols) {
      const auto problem = shape_problem(indexed("biases", l), rows, cols, dim(l), 1, dims);
      if (!problem.empty()) throw BadField(problem);
    });
  }

  const auto n_particle_layers = load_count(ar);
  if (n_particle_layers != 0 && n_particle_layers != n_layers + 1) {
    throw BadField("particles: " + std::to_string(n_particle_layers) +
                   " matrices stored; expected none or " + std::to_string(n_layers + 1));
  }
  model.particles.assign(n_particle_layers, Matrix());
  for (std::size_t l = 0; l < n_particle_layers; ++l) {
    detail::load_dense(ar, model.particles[l], [&](std::uint64_t rows, std::uint64_t cols) {
      const std::uint64_t want_rows =
          l == 0 ? std::max<std::uint64_t>(rows, 1) : model.particles[0].rows();
      const auto problem =
          shape_problem(indexed("particles", l), rows, cols, want_rows, dim(l), dims);
      if (!problem.empty()) throw BadField(problem + " (one row per particle)");
    });
  }

  ar(model.config, model.data, model.metrics, model.engine_version, model.created_utc,
     model.training_seconds);
}

// ---------------------------------------------------------------------------------
// Validation shared by load (after parsing) and save (before writing).

template <class Derived>
std::string non_finite_problem(const std::string& field, const Eigen::DenseBase<Derived>& m) {
  for (Index j = 0; j < m.cols(); ++j) {
    for (Index i = 0; i < m.rows(); ++i) {
      if (!std::isfinite(m(i, j))) {
        std::ostringstream text;
        text << field << " (" << i << "," << j << ") is " << m(i, j)
             << "; every parameter must be finite";
        return text.str();
      }
    }
  }
  return {};
}

// The first inconsistency in `model`, or an empty string.
std::string find_problem(const ModelFile& model) {
  const auto& biases = model.dbm.biases;
  const auto& weights = model.dbm.weights;
  if (biases.size() < 2) {
    return "biases: " + std::to_string(biases.size()) +
           " layers; a DBM has at least two (visible and one hidden)";
  }
  std::vector<int> dims;
  for (std::size_t l = 0; l < biases.size(); ++l) {
    if (biases[l].size() < 1 ||
        static_cast<std::uint64_t>(biases[l].size()) > detail::kMaxStoredExtent) {
      return indexed("biases", l) + " has " + std::to_string(biases[l].size()) +
             " units; a layer has 1 to " + std::to_string(detail::kMaxStoredExtent);
    }
    dims.push_back(static_cast<int>(biases[l].size()));
  }
  const std::size_t n_layers = dims.size() - 1;
  if (weights.size() != n_layers) {
    return "weights: " + std::to_string(weights.size()) + " matrices; layer sizes " + join(dims) +
           " need " + std::to_string(n_layers);
  }
  for (std::size_t l = 0; l < n_layers; ++l) {
    auto problem = shape_problem(indexed("weights", l) + " (W_" + std::to_string(l + 1) + ")",
                                 weights[l].rows(), weights[l].cols(), dims[l], dims[l + 1], dims);
    if (!problem.empty()) return problem;
  }
  const auto& particles = model.particles;
  if (!particles.empty()) {
    if (particles.size() != n_layers + 1) {
      return "particles: " + std::to_string(particles.size()) + " matrices; expected none or " +
             std::to_string(n_layers + 1);
    }
    if (particles[0].rows() < 1) return "particles[0] has no rows (one row per particle)";
    for (std::size_t l = 0; l < particles.size(); ++l) {
      auto problem = shape_problem(indexed("particles", l), particles[l].rows(),
                                   particles[l].cols(), particles[0].rows(), dims[l], dims);
      if (!problem.empty()) return problem + " (one row per particle)";
    }
  }
  for (std::size_t l = 0; l < weights.size(); ++l) {
    auto problem = non_finite_problem(indexed("weights", l), weights[l]);
    if (!problem.empty()) return problem;
  }
  for (std::size_t l = 0; l < biases.size(); ++l) {
    auto problem = non_finite_problem(indexed("biases", l), biases[l]);
    if (!problem.empty()) return problem;
  }
  for (std::size_t l = 0; l < particles.size(); ++l) {
    auto problem = non_finite_problem(indexed("particles", l), particles[l]);
    if (!problem.empty()) return problem;
  }
  if (model.config.dimensions != dims) {
    return "config.dimensions (" + join(model.config.dimensions) +
           ") disagree with the layer sizes of the weights (" + join(dims) + ")";
  }
  return {};
}

// ---------------------------------------------------------------------------------
// Files.

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now and returns 0 or the errno of a failed close (which can report a
  // delayed write error, e.g. on NFS).
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Writes `bytes` to a temporary file beside `file`, fsyncs it and renames it over
// `file`. On failure removes the temporary file and throws OutputError.
void replace_file(const fs::path& file, std::string_view bytes) {
  static std::atomic<unsigned> n_writes{0};
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const fs::path temp = folder / ("." + file.filename().string() + ".tmp-" +
                                  std::to_string(::getpid()) + "-" + std::to_string(n_writes++));
  const auto fail = [&](const std::string& step, int error) {
    ::unlink(temp.c_str());
    throw OutputError("cannot write " + quote(file) + ": " + step + os_reason(error));
  };

  FileDescriptor out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (out.get() < 0) {
    const int error = errno;  // nothing was created, so nothing to remove
    throw OutputError("cannot write " + quote(file) + ": " + os_reason(error));
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(out.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("", errno);
    if (n == 0) fail("", EIO);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(out.get()) != 0) fail("flushing to disk failed: ", errno);
  if (const int error = out.close(); error != 0) fail("", error);
  if (::rename(temp.c_str(), file.c_str()) != 0) fail("replacing it failed: ", errno);

  // Make the rename itself durable. Best effort: some file systems refuse fsync on a
  // folder, and the new file is complete either way.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

// The whole file. A missing file gets the message that says what --model expects.
std::string read_model_bytes(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (status.type() == fs::file_type::not_found) {
    throw ModelFileError(quote(file) +
                         ": no such model file; pass a run folder written by train_dbm or its "
                         "dbm.cereal");
  }
  if (!ec && status.type() != fs::file_type::regular) {
    throw ModelFileError(quote(file) +
                         ": not a regular file; pass a run folder written by train_dbm or its "
                         "dbm.cereal");
  }
  FileDescriptor in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (in.get() < 0 || ::fstat(in.get(), &info) != 0) {
    throw ModelFileError("cannot read " + quote(file) + ": " + os_reason(errno));
  }
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(in.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ModelFileError("cannot read " + quote(file) + ": " + os_reason(errno));
    if (n == 0) break;  // the file shrank while we read it: parsing reports the truncation
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

template <class T>
T little_endian_value(std::string_view bytes) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

template <class T>
void append_little_endian(std::string& out, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

// Checks the 12-byte header; throws ModelFileError for a foreign or newer file.
void check_header(const fs::path& file, std::string_view bytes) {
  std::string magic;
  append_little_endian(magic, kModelMagic);
  const std::size_t n_magic = std::min(bytes.size(), magic.size());
  if (bytes.empty()) {
    throw ModelFileError(quote(file) + ": the file is empty, not a train_dbm model file");
  }
  if (bytes.substr(0, n_magic) != std::string_view(magic).substr(0, n_magic)) {
    throw ModelFileError(quote(file) +
                         ": not a train_dbm model file (it does not start with \"RAIN_DBM\")");
  }
  if (bytes.size() < kHeaderBytes) {
    throw ModelFileError(quote(file) + ": truncated or corrupted model file (only " +
                         std::to_string(bytes.size()) + " bytes)");
  }
  const auto version = little_endian_value<std::uint32_t>(bytes.substr(8, 4));
  if (version > kModelFormatVersion) {
    throw ModelFileError(quote(file) + ": written by a newer train_dbm (format " +
                         std::to_string(version) + "); this build reads up to " +
                         std::to_string(kModelFormatVersion));
  }
  if (version == 0) {
    throw ModelFileError(quote(file) +
                         ": truncated or corrupted model file (format version 0 does not exist)");
  }
}

}  // namespace

fs::path resolve_model_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? path / kModelFileName : path;
}

void validate_model(const ModelFile& model, const fs::path& file) {
  if (auto problem = find_problem(model); !problem.empty()) {
    throw ModelFileError(quote(file) + ": " + problem);
  }
}

void save_model(const fs::path& file, const ModelFile& model) {
  if (auto problem = find_problem(model); !problem.empty()) {
    throw OutputError("refusing to save " + quote(file) + ": " + problem);
  }
  std::string bytes;
  append_little_endian(bytes, kModelMagic);
  append_little_endian(bytes, kModelFormatVersion);
  std::ostringstream archive_bytes(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(
        archive_bytes, cereal::PortableBinaryOutputArchive::Options::LittleEndian());
    ar(model);
  }
  bytes += std::move(archive_bytes).str();
  replace_file(file, bytes);
}

ModelFile load_model(const fs::path& path) {
  const fs::path file = resolve_model_file(path);
  const std::string bytes = read_model_bytes(file);
  check_header(file, bytes);
  ModelFile model;
  try {
    CheckedInputArchive ar(std::string_view(bytes).substr(kHeaderBytes), kHeaderBytes);
    ar(model);
    if (ar.bytes_left() != 0) {
      throw Corrupt(std::to_string(ar.bytes_left()) + " unexpected bytes after the model");
    }
  } catch (const BadField& e) {
    throw ModelFileError(quote(file) + ": " + e.what());
  } catch (const Corrupt& e) {
    throw ModelFileError(quote(file) + ": truncated or corrupted model file (" + e.what() + ")");
  } catch (const cereal::Exception& e) {
    throw ModelFileError(quote(file) + ": truncated or corrupted model file (" + e.what() + ")");
  } catch (const std::bad_alloc&) {
    // Not expected (every length is checked first); kept so that no corruption can
    // escape as anything but a ModelFileError.
    throw ModelFileError(quote(file) +
                         ": truncated or corrupted model file (a stored size "
                         "is too large to allocate)");
  } catch (const std::length_error& e) {
    throw ModelFileError(quote(file) + ": truncated or corrupted model file (" + e.what() + ")");
  }
  validate_model(model, file);
  return model;
}

std::string metadata_json(const ModelFile& model) {
  std::vector<int> dimensions;
  for (const auto& bias : model.dbm.biases) dimensions.push_back(static_cast<int>(bias.size()));
  if (dimensions.empty()) dimensions = model.config.dimensions;
  const long long n_particles = model.particles.empty() ? 0 : model.particles[0].rows();

  // Structs are written as plain objects, without cereal's "cereal_class_version"
  // members (which would appear on the first metrics entry only); format_version says
  // which layout this is.
  DataInfo data = model.data;
  train::TrainConfig config = model.config;
  std::ostringstream out;
  {
    // No cap on decimal places: rapidjson then prints the shortest text that reads back
    // as the same double (a cap of 17 places would cut digits off values like 1.2e-5).
    constexpr int kAllDecimalPlaces =
        RAPIDJSON_NAMESPACE::Writer<RAPIDJSON_NAMESPACE::OStreamWrapper>::kDefaultMaxDecimalPlaces;
    cereal::JSONOutputArchive ar(
        out, cereal::JSONOutputArchive::Options(
                 kAllDecimalPlaces, cereal::JSONOutputArchive::Options::IndentChar::space, 2));
    ar(cereal::make_nvp("format_version", kModelFormatVersion),
       cereal::make_nvp("engine_version", model.engine_version),
       cereal::make_nvp("created_utc", model.created_utc),
       cereal::make_nvp("dimensions", dimensions));
    ar.setNextName("data");
    ar.startNode();
    data.serialize(ar, cereal::detail::Version<DataInfo>::version);
    ar.finishNode();
    ar.setNextName("config");
    ar.startNode();
    config.serialize(ar, cereal::detail::Version<train::TrainConfig>::version);
    ar.finishNode();
    ar.setNextName("metrics");
    ar.startNode();
    ar.makeArray();
    for (EpochMetrics metrics : model.metrics) {
      ar.startNode();
      metrics.serialize(ar, cereal::detail::Version<EpochMetrics>::version);
      ar.finishNode();
    }
    ar.finishNode();
    ar(cereal::make_nvp("training_seconds", model.training_seconds),
       cereal::make_nvp("n_particles", static_cast<std::int64_t>(n_particles)));
  }
  return out.str();
}

void write_file_atomically(const fs::path& file, const std::string& text) {
  replace_file(file, text);
}

}  // namespace dbm::io
