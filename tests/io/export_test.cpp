// .npy/.npz writing (io/npy.hpp) and the model export built on it (io/export.hpp).
// NumPy itself reads the files in tests/e2e/export_test.cpp.

#include "dbm/io/export.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cereal/archives/json.hpp>
#include <cstring>

#include "dbm/core/error.hpp"

namespace dbm::io {
namespace {

std::uint32_t u32_at(const std::string& bytes, size_t offset) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}

ModelFile tiny_model() {
  ModelFile model;
  model.config.dimensions = {3, 2, 2};
  model.dbm = model::Dbm(model.config.dimensions);
  float next = -1.25f;
  for (auto& w : model.dbm.weights) {
    for (Index i = 0; i < w.size(); ++i) w(i) = (next += 0.3f) / 7.0f;
  }
  for (auto& a : model.dbm.biases) {
    for (Index i = 0; i < a.size(); ++i) a(i) = (next -= 0.7f) * 1e-3f;
  }
  model.engine_version = "test";
  return model;
}

TEST(NpyHeader, IsVersionOneAlignedTo64BytesAndDescribesTheArray) {
  for (const auto& [shape, text] : std::vector<std::pair<std::vector<std::int64_t>, std::string>>{
           {{2, 3}, "'shape': (2, 3), }"}, {{5}, "'shape': (5,), }"}, {{}, "'shape': (), }"}}) {
    const auto header = npy_header("<f4", shape);
    ASSERT_EQ(header.size() % 64, 0u);
    EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const auto header_len =
        static_cast<unsigned char>(header[8]) | static_cast<unsigned char>(header[9]) << 8;
    EXPECT_EQ(static_cast<size_t>(header_len), header.size() - 10);
    EXPECT_EQ(header.back(), '\n');
    EXPECT_NE(header.find("{'descr': '<f4', 'fortran_order': False, " + text), std::string::npos)
        << header;
  }
  EXPECT_THROW(npy_header("<f4", {-1}), Error);
}

TEST(NpyArrays, MatricesAreWrittenInCOrderLittleEndian) {
  Matrix m(2, 3);  // column-major in memory
  m << 1, 2, 3, 4, 5, 6.5f;
  const auto array = npy_float32("W1", m);
  EXPECT_EQ(array.descr, "<f4");
  EXPECT_EQ(array.shape, (std::vector<std::int64_t>{2, 3}));
  ASSERT_EQ(array.data.size(), 24u);
  const float want[] = {1, 2, 3, 4, 5, 6.5f};
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(u32_at(array.data, 4 * k), std::bit_cast<std::uint32_t>(want[k]));

  const auto dims = npy_int64("dims", {784, 500});
  EXPECT_EQ(dims.descr, "<i8");
  EXPECT_EQ(dims.data, std::string("\x10\x03\0\0\0\0\0\0\xf4\x01\0\0\0\0\0\0", 16));

  const auto file = npy_file(array);
  const auto header = npy_header("<f4", {2, 3});
  EXPECT_EQ(header.size(), 128u);  // 10 + 60 characters of dict + '\n', rounded up to 64s
  EXPECT_EQ(file, header + array.data);
  auto broken = array;
  broken.data.pop_back();
  EXPECT_THROW(npy_file(broken), Error);
}

TEST(NpyArrays, UnicodeScalarsAreUcs4CodePoints) {
  const auto text = npy_unicode_scalar("s", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");  // aé€😀
  EXPECT_EQ(text.descr, "<U4");
  EXPECT_TRUE(text.shape.empty());
  ASSERT_EQ(text.data.size(), 16u);
  EXPECT_EQ(u32_at(text.data, 0), 0x61u);
  EXPECT_EQ(u32_at(text.data, 4), 0xE9u);
  EXPECT_EQ(u32_at(text.data, 8), 0x20ACu);
  EXPECT_EQ(u32_at(text.data, 12), 0x1F600u);

  const auto bad = npy_unicode_scalar("s", "x\xff\xc3");  // a stray byte, a cut sequence
  EXPECT_EQ(bad.descr, "<U3");
  EXPECT_EQ(u32_at(bad.data, 4), 0xFFFDu);
  EXPECT_EQ(u32_at(bad.data, 8), 0xFFFDu);

  const auto empty = npy_unicode_scalar("s", "");
  EXPECT_EQ(empty.descr, "<U1");
  EXPECT_EQ(empty.data, std::string(4, '\0'));
}

TEST(Npz, IsAStoredZipWithOneNpyPerArrayAndReproducible) {
  const auto model = tiny_model();
  const auto arrays = export_arrays(model);
  std::vector<std::string> names;
  for (const auto& array : arrays) names.push_back(array.name);
  EXPECT_EQ(names, (std::vector<std::string>{"dims", "W1", "W2", "a0", "a1", "a2", "config_json"}));

  const auto bytes = export_npz(model);
  ASSERT_GE(bytes.size(), 30u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04"));
  EXPECT_EQ(bytes[8], 0) << "first entry not stored";  // compression method, low byte
  EXPECT_EQ(bytes.substr(30, 8), "dims.npy");
  for (const auto& name : names) EXPECT_NE(bytes.find(name + ".npy"), std::string::npos) << name;
  // Every .npy is stored whole, so the W1 file appears verbatim.
  EXPECT_NE(bytes.find(npy_file(arrays[1])), std::string::npos);
  EXPECT_EQ(bytes, export_npz(model));

  EXPECT_THROW(npz_archive({arrays[0], arrays[0]}), Error);
}

TEST(ExportJson, HoldsEveryParameterExactlyAndTheMetadata) {
  const auto model = tiny_model();
  const auto text = export_json(model);
  RAPIDJSON_NAMESPACE::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_STREQ(doc["format"].GetString(), "train_dbm-export");
  EXPECT_EQ(doc["format_version"].GetInt(), kExportFormatVersion);
  ASSERT_EQ(doc["dims"].Size(), 3u);
  EXPECT_EQ(doc["dims"][2].GetInt(), 2);
  for (size_t l = 0; l < model.dbm.weights.size(); ++l) {
    const auto& w = model.dbm.weights[l];
    const auto& rows = doc[("W" + std::to_string(l + 1)).c_str()];
    ASSERT_EQ(rows.Size(), static_cast<unsigned>(w.rows()));
    for (Index i = 0; i < w.rows(); ++i) {
      ASSERT_EQ(rows[i].Size(), static_cast<unsigned>(w.cols()));
      for (Index j = 0; j < w.cols(); ++j) {
        EXPECT_EQ(static_cast<float>(rows[i][j].GetDouble()), w(i, j));
      }
    }
  }
  for (size_t l = 0; l < model.dbm.biases.size(); ++l) {
    const auto& a = model.dbm.biases[l];
    const auto& values = doc[("a" + std::to_string(l)).c_str()];
    ASSERT_EQ(values.Size(), static_cast<unsigned>(a.size()));
    for (Index i = 0; i < a.size(); ++i) EXPECT_EQ(static_cast<float>(values[i].GetDouble()), a(i));
  }
  ASSERT_TRUE(doc["config"].IsObject());
  EXPECT_STREQ(doc["config"]["engine_version"].GetString(), "test");
}

TEST(ExportFormat, ParsesNpzAndJsonAndNamesTheFlagOtherwise) {
  EXPECT_EQ(parse_export_format("npz"), ExportFormat::kNpz);
  EXPECT_EQ(parse_export_format("json"), ExportFormat::kJson);
  try {
    parse_export_format("csv");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--format"), std::string::npos) << e.what();
  }
  EXPECT_EQ(default_export_file_name(ExportFormat::kNpz), "dbm.npz");
  EXPECT_EQ(default_export_file_name(ExportFormat::kJson), "dbm_weights.json");
}

}  // namespace
}  // namespace dbm::io
