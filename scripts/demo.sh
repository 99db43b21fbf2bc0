#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds Lathe and runs the main job: the penguins
# pipeline from CSV to a blessed model in the model repository, with its lineage, sliced metrics
# and a reproduction (examples/penguins), then served over HTTP (examples/serving), and rolled out
# under a deployment with simulated users (examples/rollout). Then two shorter demos: a pipeline of command steps run, cached, changed and reproduced (examples/hello),
# and the metadata store over steps recorded by hand (examples/store-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "### the main job: CSV to a blessed model"
examples/penguins/run.sh
echo
echo "### serving the model: lathe serve, TF Serving REST and KServe v2, metrics, skew"
examples/serving/run.sh
echo
echo "### rollouts: a canary's uplift, and a broken canary rolled back automatically"
examples/rollout/run.sh
echo
echo "### a pipeline of command steps"
examples/hello/run.sh
echo
echo "### the metadata store"
examples/store-demo/run.sh
echo
echo "### browse it in the web UI: runs, lineage, statistics, evaluations, comparisons, models"
echo "open the main job's store (then http://127.0.0.1:8080/ in a browser):"
echo "  $PWD/build/bin/lathe --store sqlite://$PWD/build/demo-penguins/.lathe/metadata.db ui"
echo "or the rollout's, with its deployment and each version's business metrics:"
echo "  cd $PWD/build/demo-rollout && $PWD/build/bin/lathe ui"
