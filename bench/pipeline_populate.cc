// Fills a store with earlier runs of a pipeline, in-process: `runs` runs of PIPELINE.yaml, all but
// the first served from the cache, as a pipeline that has run every hour for a year would leave.
// Used by bench/run.sh pipeline to measure a cached re-run against a store with history.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "lathe/components/data_components.h"
#include "lathe/metadata/metadata_store.h"
#include "lathe/orchestrate/local_runner.h"
#include "lathe/pipeline/graph.h"
#include "lathe/pipeline/spec.h"

int main(int argc, char** argv) {
  using namespace lathe;
  if (argc != 5) {
    fmt::print(stderr, "usage: lathe_bench_populate STORE_URI ARTIFACT_ROOT PIPELINE.yaml RUNS\n");
    return 2;
  }
  auto store = metadata::MetadataStore::Open(argv[1]);
  auto spec = pipeline::LoadPipelineSpec(argv[3]);
  if (!store.ok() || !spec.ok()) {
    fmt::print(stderr, "{}\n", (!store.ok() ? store.status() : spec.status()).ToString());
    return 1;
  }
  auto graph = pipeline::BuildGraph(*spec, {}, components::AllComponents());
  if (!graph.ok()) {
    fmt::print(stderr, "{}\n", graph.status().ToString());
    return 1;
  }
  orchestrate::RunOptions o;
  o.artifact_root = argv[2];
  int runs = std::stoi(argv[4]);
  for (int i = 0; i < runs; ++i) {
    auto r = orchestrate::RunPipeline(**store, *graph, o, nullptr);
    if (!r.ok() || r->state != "COMPLETE") {
      fmt::print(stderr, "run {} failed: {}\n", i, r.ok() ? r->state : r.status().ToString());
      return 1;
    }
    if (i % 500 == 499) fmt::print(stderr, "\r  populating: {}/{}", i + 1, runs);
  }
  fmt::print(stderr, "\n");
  return 0;
}
