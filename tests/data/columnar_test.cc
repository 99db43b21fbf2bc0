#include "lathe/data/columnar.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "testing/temp_dir.h"

namespace lathe::data {
namespace {

Batch Sample(int rows, int offset) {
  Batch b;
  b.schema.fields = {{"i", ColumnType::kInt64},
                     {"d", ColumnType::kDouble},
                     {"b", ColumnType::kBool},
                     {"s", ColumnType::kString}};
  for (const auto& f : b.schema.fields) b.columns.emplace_back(f.type);
  for (int r = offset; r < offset + rows; ++r) {
    if (r % 5 == 0) {
      for (auto& c : b.columns) c.AppendNull();
      continue;
    }
    b.columns[0].AppendInt(r * 1000003LL);
    b.columns[1].AppendDouble(r / 3.0);
    b.columns[2].AppendBool(r % 2 == 0);
    b.columns[3].AppendString(std::string(r % 4, 'x') + "é" + std::to_string(r));
  }
  return b;
}

TEST(ColumnarTest, RoundTripAcrossRowGroups) {
  testing::TempDir tmp;
  std::string path = (tmp / "t.lcol").string();
  Batch a = Sample(700, 0), b = Sample(555, 700);
  auto w = ColumnarWriter::Create(path, a.schema, {.row_group_rows = 256});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Write(a).ok());
  ASSERT_TRUE((*w)->Write(b).ok());
  ASSERT_TRUE((*w)->Close({{"split", "train"}, {"span", 3}}).ok());

  auto r = ColumnarReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->rows(), 1255);
  EXPECT_EQ((*r)->row_groups(), 5u);  // 4 of 256 and one of 231
  EXPECT_EQ((*r)->schema(), a.schema);
  EXPECT_EQ((*r)->metadata()["split"], "train");
  Batch all = Sample(1255, 0);
  size_t row = 0;
  for (size_t g = 0; g < (*r)->row_groups(); ++g) {
    auto batch = (*r)->ReadRowGroup(g);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    for (size_t i = 0; i < batch->rows(); ++i, ++row)
      for (size_t c = 0; c < 4; ++c) {
        ASSERT_EQ(batch->columns[c].is_null(i), all.columns[c].is_null(row));
        ASSERT_EQ(batch->columns[c].ToText(i), all.columns[c].ToText(row)) << row << " " << c;
      }
  }
  EXPECT_EQ(row, 1255u);
}

TEST(ColumnarTest, DamageIsDetected) {
  testing::TempDir tmp;
  std::string path = (tmp / "t.lcol").string();
  Batch a = Sample(300, 0);
  auto w = ColumnarWriter::Create(path, a.schema);
  ASSERT_TRUE((*w)->Write(a).ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::string bytes = testing::ReadFile(path);

  testing::WriteFile(tmp / "flip.lcol",
                     bytes.substr(0, 40) + char(bytes[40] ^ 0x55) + bytes.substr(41));
  auto flipped = ColumnarReader::Open((tmp / "flip.lcol").string());
  ASSERT_TRUE(flipped.ok());
  auto col = (*flipped)->ReadColumn(0, 0);
  EXPECT_EQ(col.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(col.status().message().find("checksum mismatch in row group 0 column 'i'"),
            std::string::npos);

  testing::WriteFile(tmp / "cut.lcol", bytes.substr(0, bytes.size() - 30));
  auto cut = ColumnarReader::Open((tmp / "cut.lcol").string());
  EXPECT_EQ(cut.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(cut.status().message().find("truncated"), std::string::npos);

  testing::WriteFile(tmp / "other.lcol", "PK\x03\x04 this is a zip file, honestly.......");
  EXPECT_EQ(ColumnarReader::Open((tmp / "other.lcol").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ColumnarReader::Open((tmp / "none.lcol").string()).status().code(),
            StatusCode::kNotFound);
}

// A file whose footer JSON is replaced by `edit` of it (the tail re-written to match).
std::string WithFooter(const std::string& bytes, const std::function<void(nlohmann::json&)>& edit) {
  uint64_t len = 0;
  std::memcpy(&len, bytes.data() + bytes.size() - 16, sizeof len);
  const size_t start = bytes.size() - 16 - len;
  auto footer = nlohmann::json::parse(bytes.substr(start, len));
  edit(footer);
  std::string text = footer.dump();
  uint64_t new_len = text.size();
  return bytes.substr(0, start) + text +
         std::string(reinterpret_cast<const char*>(&new_len), sizeof new_len) +
         bytes.substr(bytes.size() - 8);
}

// Every damaged footer is refused at Open with DATA_LOSS naming the file and what is wrong,
// before any chunk is read or any buffer sized from it.
TEST(ColumnarTest, DamagedFootersAreRefusedBeforeReading) {
  testing::TempDir tmp;
  std::string path = (tmp / "t.lcol").string();
  Batch a = Sample(300, 0);
  auto w = ColumnarWriter::Create(path, a.schema, {.row_group_rows = 128});
  ASSERT_TRUE((*w)->Write(a).ok());
  ASSERT_TRUE((*w)->Close().ok());
  const std::string bytes = testing::ReadFile(path);
  ASSERT_TRUE(ColumnarReader::Open(path).ok());
  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"checksum removed", [](auto& f) { f["row_groups"][1]["columns"][2].erase("xxh3"); },
       "row group 1 column 'b': 'xxh3' missing or not a string"},
      {"huge size", [](auto& f) { f["row_groups"][0]["columns"][0]["size"] = uint64_t{1} << 50; },
       "row group 0 column 'i': the chunk lies outside the file"},
      {"offset wraps around",
       [](auto& f) { f["row_groups"][0]["columns"][0]["offset"] = ~uint64_t{0} - 10; },
       "the chunk lies outside the file"},
      {"column dropped", [](auto& f) { f["row_groups"][2]["columns"].erase(3); },
       "row group 2: 3 columns for 4 schema fields"},
      {"rows that do not add up", [](auto& f) { f["rows"] = 301; },
       "'rows' is 301 but the row groups hold 300 rows"},
      {"negative rows", [](auto& f) { f["row_groups"][0]["rows"] = -1; },
       "row group 0: 'rows' missing or not a non-negative integer"},
      {"a type that does not exist", [](auto& f) { f["schema"][0]["type"] = "complex"; },
       "complex"},
      {"schema not a list", [](auto& f) { f["schema"] = "i"; }, "'schema' missing or not a list"},
      {"malformed checksum", [](auto& f) { f["row_groups"][0]["columns"][0]["xxh3"] = "zz"; },
       "malformed checksum 'zz'"},
      {"deeply nested metadata",
       [](auto& f) {
         nlohmann::json deep = 1;
         for (int i = 0; i < 200; ++i) deep = nlohmann::json::array({deep});
         f["metadata"] = {{"x", deep}};
       },
       "nested deeper than 100 levels"},
  };
  for (const auto& c : cases) {
    testing::WriteFile(tmp / "bad.lcol", WithFooter(bytes, c.edit));
    auto r = ColumnarReader::Open((tmp / "bad.lcol").string());
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << c.name;
    EXPECT_NE(r.status().message().find((tmp / "bad.lcol").string() + ": damaged footer"),
              std::string::npos)
        << c.name << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status().message();
  }
  // A raw size that disagrees with the compressed frame is found before allocating it.
  testing::WriteFile(tmp / "raw.lcol", WithFooter(bytes, [](auto& f) {
                       f["row_groups"][0]["columns"][3]["raw_size"] = uint64_t{1} << 50;
                     }));
  auto r = ColumnarReader::Open((tmp / "raw.lcol").string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto col = (*r)->ReadColumn(0, 3);
  EXPECT_EQ(col.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(col.status().message().find("row group 0 column 's' does not hold the"),
            std::string::npos)
      << col.status().message();
  EXPECT_EQ((*r)->ReadColumn(9, 0).status().code(), StatusCode::kOutOfRange);
  // Not a regular file.
  EXPECT_EQ(ColumnarReader::Open(tmp.path().string()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ColumnarTest, SchemaMismatchIsRejected) {
  testing::TempDir tmp;
  Batch a = Sample(10, 0);
  auto w = ColumnarWriter::Create((tmp / "t.lcol").string(), a.schema);
  Batch other;
  other.schema.fields = {{"x", ColumnType::kInt64}};
  other.columns.emplace_back(ColumnType::kInt64);
  EXPECT_EQ((*w)->Write(other).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lathe::data
