// Fills a store with earlier runs of a pipeline, in-process: `runs` runs of PIPELINE.yaml, all but
// the first served from the cache, as a pipeline that has run every hour for a year would leave.
// Used by bench/run.sh pipeline to measure a cached re-run against a store with history. With
// PARAM=FIRST, run i sets pipeline parameter PARAM to FIRST + i instead, so that every run trains
// anew (bench/run.sh ui: 500 runs to compare).
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <string>

#include "lathe/components/data_components.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/pipeline/graph.h"
#include "lathe/pipeline/spec.h"

int main(int argc, char** argv) {
  using namespace lathe;
  if (argc != 5 && argc != 6) {
    fmt::print(stderr,
               "usage: lathe_bench_populate STORE_URI ARTIFACT_ROOT PIPELINE.yaml RUNS "
               "[PARAM=FIRST]\n");
    return 2;
  }
  std::string param;
  long first = 0;
  if (argc == 6) {
    std::string a = argv[5];
    param = a.substr(0, a.find('='));
    first = std::stol(a.substr(a.find('=') + 1));
  }
  auto store = metadata::MetadataStore::Open(argv[1]);
  auto spec = pipeline::LoadPipelineSpec(argv[3]);
  if (!store.ok() || !spec.ok()) {
    fmt::print(stderr, "{}\n", (!store.ok() ? store.status() : spec.status()).ToString());
    return 1;
  }
  orchestrate::RunOptions o;
  o.artifact_root = argv[2];
  int runs = std::stoi(argv[4]);
  std::map<std::string, std::string> params;
  for (int i = 0; i < runs; ++i) {
    if (!param.empty()) params[param] = std::to_string(first + i);
    auto graph = pipeline::BuildGraph(*spec, params, components::AllComponents());
    if (!graph.ok()) {
      fmt::print(stderr, "{}\n", graph.status().ToString());
      return 1;
    }
    o.parameters = params;
    auto r = orchestrate::RunPipeline(**store, *graph, o, nullptr);
    if (!r.ok() || r->state != "COMPLETE") {
      fmt::print(stderr, "run {} failed: {}\n", i, r.ok() ? r->state : r.status().ToString());
      return 1;
    }
    if (i % 100 == 99) fmt::print(stderr, "\r  populating: {}/{}", i + 1, runs);
  }
  fmt::print(stderr, "\n");
  return 0;
}
