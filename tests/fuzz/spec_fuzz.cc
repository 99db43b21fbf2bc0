// libFuzzer target for the pipeline spec loader (YAML): any bytes must load or fail with a
// located status; never crash, exhaust the stack or expand aliases without bound
// (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lathe/pipeline/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = lathe::pipeline::ParsePipelineSpec(text, "fuzz.yaml");
  if (!spec.ok() && spec.status().message().empty()) __builtin_trap();
  return 0;
}
