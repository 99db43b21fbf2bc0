// Small trained model bundles for serving tests: 300 seeded rows of x (double), n (int64) and
// city (string), trained in-process (no pipeline) and written as a bundle directory that
// train::LoadedModel loads. Deterministic: the same arguments give the same bundle.
#pragma once

#include <filesystem>
#include <string>

namespace lathe::testing {

enum class ToyTask { kBinary, kMulticlass, kRegression };

// Writes a bundle into `dir` (created). `algorithm`: "linear" or "xgboost". `shift` moves the
// label's decision boundary, so two bundles with different shifts predict differently. Fails the
// calling test (ADD_FAILURE) when training fails.
void WriteToyBundle(const std::filesystem::path& dir, ToyTask task,
                    const std::string& algorithm = "linear", double shift = 0);

// The rows the bundles were trained on, as CSV (header x,n,city), for prediction checks.
std::string ToyRowsCsv(int rows, unsigned seed);

}  // namespace lathe::testing
