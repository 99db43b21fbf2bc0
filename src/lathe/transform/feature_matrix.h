// A dense matrix of model features: what a transform produces and a model consumes. Row-major
// floats (the type boosting libraries take); NaN means missing. Value type; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lathe::transform {

struct FeatureMatrix {
  std::vector<std::string> names;  // one per column
  size_t rows = 0;
  std::vector<float> values;  // rows * names.size(), row-major

  size_t cols() const { return names.size(); }
  float at(size_t row, size_t col) const { return values[row * names.size() + col]; }
};

}  // namespace lathe::transform
