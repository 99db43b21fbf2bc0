// Writes small columnar files of every column type into a directory: the seeds the columnar
// fuzz target mutates (scripts/fuzz.sh). Usage: columnar_seed DIR
#include <cstdio>
#include <string>

#include "lathe/data/columnar.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  using namespace lathe::data;
  for (int variant = 0; variant < 3; ++variant) {
    Batch b;
    b.schema.fields = {{"i", ColumnType::kInt64},
                       {"d", ColumnType::kDouble},
                       {"b", ColumnType::kBool},
                       {"s", ColumnType::kString},
                       {"n", ColumnType::kNull}};
    for (const auto& f : b.schema.fields) b.columns.emplace_back(f.type);
    for (int r = 0; r < 5 + variant * 7; ++r) {
      if (r % 4 == 3) {
        for (auto& c : b.columns) c.AppendNull();
        continue;
      }
      b.columns[0].AppendInt(r * 31 - 7);
      b.columns[1].AppendDouble(r / 4.0);
      b.columns[2].AppendBool(r % 2 == 0);
      b.columns[3].AppendString(std::string(static_cast<size_t>(r % 3), 'x') + "é");
      b.columns[4].AppendNull();
    }
    const std::string path = std::string(argv[1]) + "/seed-" + std::to_string(variant) + ".lcol";
    auto w = ColumnarWriter::Create(path, b.schema, {.row_group_rows = 4u + variant});
    if (!w.ok() || !(*w)->Write(b).ok() || !(*w)->Close({{"split", "train"}}).ok()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
