#include "lathe/train/model.h"

#include <cmath>

namespace lathe::train {

size_t DropMissingLabels(FeatureMatrix& x, std::vector<float>& labels) {
  const size_t width = x.cols();
  size_t kept = 0;
  for (size_t r = 0; r < x.rows; ++r) {
    if (std::isnan(labels[r])) continue;
    if (kept != r) {
      labels[kept] = labels[r];
      std::copy_n(x.values.begin() + static_cast<std::ptrdiff_t>(r * width), width,
                  x.values.begin() + static_cast<std::ptrdiff_t>(kept * width));
    }
    ++kept;
  }
  size_t dropped = x.rows - kept;
  x.rows = kept;
  x.values.resize(kept * width);
  labels.resize(kept);
  return dropped;
}

}  // namespace lathe::train
