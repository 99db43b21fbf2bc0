// The Prometheus text exposition format (0.0.4), parsed into samples: what the UI's serving
// monitor reads from a `lathe serve`'s /metrics. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lathe/core/status.h"

namespace lathe::server {

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
// Every sample of a Prometheus text exposition, in order (comments and blank lines skipped).
// INVALID_ARGUMENT naming the line for a line that is not a sample.
Result<std::vector<MetricSample>> ParsePrometheusText(const std::string& text);

}  // namespace lathe::server
