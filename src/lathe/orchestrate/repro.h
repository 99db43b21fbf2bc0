// Reproducing a recorded run: rebuild the graph from the run's recorded spec and parameters,
// execute every node again with the cache off, and compare each output's fingerprint with the
// original run's.
//
// A reproduction has no side effects on production: resolvers select what they selected then,
// nodes read exactly the files the run read (a changed or missing file is named and nothing
// runs), the Pusher only checks what it would push, and nothing it records is ever selected by
// a resolver, the cache or a partial run (pipeline::RunSettings::reproduction_of).
#pragma once

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/metadata/metadata_store.h"
#include "lathe/orchestrate/local_runner.h"

namespace lathe::orchestrate {

struct OutputComparison {
  std::string node;
  std::string output;
  std::string original;    // fingerprint in the recorded run ("" if it had none)
  std::string reproduced;  // fingerprint now ("" if the node did not produce it)
  // A resolver that selected nothing, then and now (an optional baseline on a first run).
  bool nothing_selected = false;
  bool match() const { return nothing_selected || (!original.empty() && original == reproduced); }
};

// A file the original run read that no longer has the content it read.
struct ChangedInput {
  std::string node;
  std::string path;
  std::string fingerprint_then;
  std::string fingerprint_now;  // "" when gone or unreadable
  std::string what;             // "the content changed", "the file is gone", ...
};

struct ReproReport {
  std::string original_run;
  std::vector<ChangedInput> changed_inputs;  // non-empty: nothing was run
  RunReport run;                             // the reproduction
  std::vector<OutputComparison> outputs;
  std::vector<std::string> changed_code;  // nodes whose definition (e.g. code files) changed since
  bool reproducible() const;
};

// NOT_FOUND if there is no such run. `options` gives the artifact root, parallelism and progress;
// the cache is always off.
Result<ReproReport> ReproduceRun(metadata::MetadataStore& store, const std::string& run_id,
                                 RunOptions options, const std::atomic<bool>* cancelled);

// As `lathe runs repro RUN --json` prints a report: {"original_run", "changed_inputs": [{node,
// path, fingerprint_then, fingerprint_now, what}], "run", "run_state", "reproducible",
// "changed_code", "outputs": [{node, output, original, reproduced, match}]}.
nlohmann::json ReproReportToJson(const ReproReport& r);

}  // namespace lathe::orchestrate
