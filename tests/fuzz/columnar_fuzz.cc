// libFuzzer target for the columnar (Examples) reader: any bytes as a file must open and read or
// fail with a status; a damaged footer or chunk is never read past the file, never allocates what
// the file does not hold, never crashes (scripts/fuzz.sh). Seeds: columnar_seed writes real files.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "lathe/data/columnar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader maps a path: an in-memory file gives it one without touching the disk.
  static const int fd = memfd_create("lathe-fuzz.lcol", 0);
  if (fd < 0) __builtin_trap();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    __builtin_trap();
  auto reader = lathe::data::ColumnarReader::Open("/proc/self/fd/" + std::to_string(fd));
  if (!reader.ok()) {
    if (reader.status().message().empty()) __builtin_trap();
    return 0;
  }
  int64_t rows = 0;
  for (size_t g = 0; g < (*reader)->row_groups(); ++g) {
    auto batch = (*reader)->ReadRowGroup(g);
    if (!batch.ok()) continue;
    for (const auto& c : batch->columns)
      if (c.size() != batch->rows()) __builtin_trap();
    rows += static_cast<int64_t>(batch->rows());
  }
  if (rows > (*reader)->rows()) __builtin_trap();
  return 0;
}
