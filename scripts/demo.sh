#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds Lathe and runs the demos: the metadata
# store over recorded steps (examples/store-demo), then a pipeline run, cached, changed and
# reproduced (examples/hello).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "### store demo"
examples/store-demo/run.sh
echo
echo "### pipeline demo"
examples/hello/run.sh
