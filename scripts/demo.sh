#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds Lathe and runs the demos: the metadata
# store over recorded steps (examples/store-demo), then a pipeline run, cached, changed and
# reproduced (examples/hello), then the data side: ingest, statistics, schema, validation and
# drift over the penguins data (examples/penguins).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "### store demo"
examples/store-demo/run.sh
echo
echo "### pipeline demo"
examples/hello/run.sh
echo
echo "### data demo"
examples/penguins/run.sh
