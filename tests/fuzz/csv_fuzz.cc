// libFuzzer target for the CSV reader: any bytes, with options taken from the first bytes, must
// parse or fail with a status; never crash, hang, leak or read out of bounds (run under ASan and
// UBSan by scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lathe/data/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  lathe::data::CsvOptions o;
  o.delimiter = static_cast<char>(data[0] % 4 == 0 ? ';' : data[0] % 4 == 1 ? '\t' : ',');
  o.block_bytes = 1 + data[1] % 64;  // tiny blocks: every record crosses block edges
  o.threads = 1 + data[2] % 3;
  o.infer_rows = 1 + data[1] % 5;
  if (data[2] & 0x80) o.bad_rows = lathe::data::CsvOptions::BadRows::kSkip;
  std::string text(reinterpret_cast<const char*>(data + 3), size - 3);
  int64_t cells = 0;
  auto r = lathe::data::ReadCsvText(text, "fuzz.csv", o, [&](lathe::data::Batch&& b) {
    for (const auto& c : b.columns) {
      if (c.size() != b.rows()) __builtin_trap();  // every column as long as the batch
      cells += static_cast<int64_t>(c.size());
    }
    return lathe::Status::Ok();
  });
  if (r.ok() && r->rows * static_cast<int64_t>(r->schema.fields.size()) != cells) __builtin_trap();
  return 0;
}
