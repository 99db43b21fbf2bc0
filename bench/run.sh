#!/usr/bin/env bash
# bench/run.sh NAME: builds what the benchmark needs (Release, in build-bench/), runs benchmark
# NAME, prints a readable report and, as its last line, one JSON object of figures.
#   store     metadata store: PutExecution vs bare SQLite inserts, lineage and filter latency
#   pipeline  lathe run vs snakemake and make -j2; a cached re-run with 10,000 runs in the store
#   stats     lathe stats compute vs pandas and cat on the 3,000,000-row flights CSV
#   train     the flights task as a Lathe pipeline vs pandas + xgboost in Python
#   concurrent  four training runs at once vs one after another (one thread budget)
#   serve     lathe serve vs Flask + gunicorn and FastAPI + uvicorn: single-row predict over HTTP
#   abtest    the anytime-valid test of business metrics vs the naive repeated test, simulated
#   ui        the web UI in chromium: time to interactive of a 10,000-node lineage
#   scale     Slurm vs local runner per node, sharded statistics 2 shards vs 1, the store on
#             PostgreSQL vs SQLite (as root: starts PostgreSQL and a single-node Slurm)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-}
case "$name" in
  store | pipeline | stats | train | concurrent | serve | abtest | ui | scale) ;;
  *) echo "usage: bench/run.sh store|pipeline|stats|train|concurrent|serve|abtest|ui|scale [options]" >&2; exit 2 ;;
esac
shift
LATHE_BUILD_DIR=build-bench LATHE_BUILD_TYPE=Release scripts/setup.sh -DLATHE_BUILD_TESTS=OFF >/dev/null
case "$name" in
  store) exec build-bench/bin/lathe_bench_store --cache bench/.cache "$@" ;;
  abtest) exec build-bench/bin/lathe_bench_abtest "$@" ;;
  pipeline)
    scripts/install-packages.sh snakemake make  # the peers
    exec bench/pipeline.sh "$@" ;;
  stats)
    scripts/install-packages.sh python3-pandas time  # the peer, and GNU time for peak memory
    exec bench/stats.sh "$@" ;;
  train)
    scripts/install-packages.sh python3-pandas python3-xgboost python3-sklearn  # the peer
    exec bench/train.sh "$@" ;;
  concurrent) exec bench/concurrent.sh "$@" ;;
  scale)
    scripts/install-packages.sh postgresql slurm-wlm munge  # the engines measured
    exec bench/scale.sh "$@" ;;
  ui)
    scripts/install-packages.sh chromium  # the browser that measures
    exec bench/ui.sh "$@" ;;
  serve)
    # The load generators and the peers (python3-xgboost for the same model in Python).
    scripts/install-packages.sh wrk nghttp2-client curl python3-flask gunicorn python3-fastapi \
      uvicorn python3-xgboost
    exec bench/serve.sh "$@" ;;
esac
