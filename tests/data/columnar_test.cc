#include "lathe/data/columnar.h"

#include <gtest/gtest.h>

#include <fstream>

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
