#include "lathe/transform/detail/column_values.h"

#include <xxhash.h>

#include <cstdint>

namespace lathe::transform::detail {

double HashBucket(std::string_view text, int buckets) {
  return static_cast<double>(XXH3_64bits(text.data(), text.size()) %
                             static_cast<uint64_t>(buckets));
}

}  // namespace lathe::transform::detail
