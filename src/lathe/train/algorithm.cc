#include "lathe/train/algorithm.h"

#include "lathe/train/detail/builtin_algorithms.h"

namespace lathe::train {

const AlgorithmRegistry& AlgorithmRegistry::Builtin() {
  static const AlgorithmRegistry* registry = [] {
    auto* r = new AlgorithmRegistry();
    // The order of messages ("expected one of: linear, xgboost").
    detail::RegisterLinearAlgorithm(*r);
    detail::RegisterXgboostAlgorithm(*r);
    return r;
  }();
  return *registry;
}

}  // namespace lathe::train
