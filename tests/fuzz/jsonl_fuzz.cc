// libFuzzer target for the JSON Lines reader: any bytes, with options from the first bytes, must
// read or fail with a status; every batch's columns as long as the batch; never crash or
// exhaust the stack on deep nesting (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lathe/data/jsonl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  lathe::data::JsonLinesOptions o;
  o.block_bytes = 1 + data[0] % 64;  // tiny blocks: lines cross block edges
  o.threads = 1 + data[1] % 3;
  o.infer_rows = 1 + data[0] % 5;
  if (data[1] & 0x80) o.on_restart = [] {};
  std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  int64_t cells = 0;
  auto r = lathe::data::ReadJsonLinesText(text, "fuzz.jsonl", o, [&](lathe::data::Batch&& b) {
    for (const auto& c : b.columns) {
      if (c.size() != b.rows()) __builtin_trap();
      cells += static_cast<int64_t>(c.size());
    }
    return lathe::Status::Ok();
  });
  if (!r.ok() && r.status().message().empty()) __builtin_trap();
  return 0;
}
