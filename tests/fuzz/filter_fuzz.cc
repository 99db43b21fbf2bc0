// libFuzzer target for the filter language: any text must parse and compile to SQL or fail with
// a status; never crash, exhaust the stack, hang or grow without bound (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lathe/metadata/detail/filter_sql.h"
#include "lathe/metadata/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lathe::metadata;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = ParseFilter(text);
  if (!expr.ok()) {
    if (expr.status().message().empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  for (const auto* table :
       {&detail::kArtifactTable, &detail::kExecutionTable, &detail::kContextTable}) {
    detail::SqlFragment where;
    lathe::Status st = detail::CompileFilter(*expr, *table, nullptr, where);
    if (!st.ok() && st.message().empty()) __builtin_trap();
    // The SQL grows with the filter, never beyond it (limits in filter.h).
    if (st.ok() && where.sql.size() > 64 * size + 4096) __builtin_trap();
  }
  return 0;
}
