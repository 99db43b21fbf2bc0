// The built-in training algorithms, one file each, registered by AlgorithmRegistry::Builtin
// (algorithm.cc). Inside train/ only.
#pragma once

#include "lathe/train/algorithm.h"

namespace lathe::train::detail {

void RegisterLinearAlgorithm(AlgorithmRegistry& registry);   // linear_algorithm.cc
void RegisterXgboostAlgorithm(AlgorithmRegistry& registry);  // xgboost_algorithm.cc

}  // namespace lathe::train::detail
