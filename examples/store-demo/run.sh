#!/usr/bin/env bash
# The store demo: four small steps over the Palmer penguins data (ingest, statistics, train,
# evaluate), each recorded in the metadata store with `lathe record`, then listed, traced back
# with `lathe lineage` and verified with `lathe store check`. Re-running starts from a fresh
# directory (LATHE_DEMO_DIR, default build/demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe="$root/build/bin/lathe"
steps="$root/examples/store-demo/steps"
demo=${LATHE_DEMO_DIR:-$root/build/demo}
rm -rf "$demo"
mkdir -p "$demo/artifacts"
cd "$demo"
cp "$root/data/penguins.csv" penguins.csv

ctx=(--context Pipeline=penguins --context Run=demo-1)
record() { "$lathe" record "$@" "${ctx[@]}"; }
# The last artifact id of "recorded execution N (T): inputs a,b outputs c".
output_id() { sed -n 's/.*outputs \([0-9,]*\)$/\1/p' | awk -F, '{print $NF}'; }

echo "== store"
"$lathe" store init
echo
echo "== steps"
"$steps/ingest.sh" penguins.csv artifacts/examples
record Ingest --name ingest --input Raw=penguins.csv --output Examples=artifacts/examples --property span=2007-2009
"$steps/statistics.sh" artifacts/examples artifacts/statistics.json
record StatisticsGen --name statistics --input Examples=artifacts/examples --output Statistics=artifacts/statistics.json
"$steps/train.sh" artifacts/examples artifacts/statistics.json artifacts/model.csv
record Trainer --name train --input Examples=artifacts/examples --input Statistics=artifacts/statistics.json \
  --output Model=artifacts/model.csv --property algorithm=nearest-centroid
"$steps/evaluate.sh" artifacts/model.csv artifacts/examples artifacts/evaluation.json
accuracy=$(sed -n 's/.*"accuracy": \([0-9.]*\).*/\1/p' artifacts/evaluation.json)
recorded=$(record Evaluator --name evaluate --input Model=artifacts/model.csv --input Examples=artifacts/examples \
  --output Evaluation=artifacts/evaluation.json --property accuracy="$accuracy")
echo "$recorded"
evaluation=$(echo "$recorded" | output_id)

echo
echo "== executions"
"$lathe" executions list
echo
echo "== artifacts"
"$lathe" artifacts list
echo
echo "== where did evaluation $evaluation (accuracy $accuracy) come from?"
"$lathe" lineage "$evaluation"
echo
echo "== store check"
"$lathe" store check --fingerprints
echo
echo "demo store: $demo/.lathe/metadata.db (try: cd $demo && $lathe lineage $evaluation --json)"
