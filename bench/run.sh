#!/usr/bin/env bash
# bench/run.sh NAME: builds what the benchmark needs (Release, in build-bench/), runs benchmark
# NAME, prints a readable report and, as its last line, one JSON object of figures.
#   store     metadata store: PutExecution vs bare SQLite inserts, lineage and filter latency
#   pipeline  lathe run vs snakemake and make -j2; a cached re-run with 10,000 runs in the store
#   stats     lathe stats compute vs pandas and cat on the 3,000,000-row flights CSV
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-}
case "$name" in
  store | pipeline | stats) ;;
  *) echo "usage: bench/run.sh store|pipeline|stats [options]" >&2; exit 2 ;;
esac
shift
LATHE_BUILD_DIR=build-bench LATHE_BUILD_TYPE=Release scripts/setup.sh -DLATHE_BUILD_TESTS=OFF >/dev/null
case "$name" in
  store) exec build-bench/bin/lathe_bench_store --cache bench/.cache "$@" ;;
  pipeline)
    # The peers: snakemake and make, from Debian's packages.
    missing=()
    for p in snakemake make; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
      echo "bench: installing ${missing[*]}" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    exec bench/pipeline.sh "$@" ;;
  stats)
    # The peers: pandas from Debian's packages, GNU time for peak memory.
    missing=()
    for p in python3-pandas time; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
      echo "bench: installing ${missing[*]}" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    exec bench/stats.sh "$@" ;;
esac
