#!/usr/bin/env bash
# bench/run.sh NAME: builds what the benchmark needs (Release, in build-bench/), runs benchmark
# NAME, prints a readable report and, as its last line, one JSON object of figures.
#   store   metadata store: PutExecution vs bare SQLite inserts, lineage and filter latency
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-}
case "$name" in
  store) target=lathe_bench_store ;;
  *) echo "usage: bench/run.sh store" >&2; exit 2 ;;
esac
shift
LATHE_BUILD_DIR=build-bench LATHE_BUILD_TYPE=Release scripts/setup.sh -DLATHE_BUILD_TESTS=OFF >/dev/null
exec build-bench/bin/$target --cache bench/.cache "$@"
