#!/usr/bin/env bash
# The main demo: from the penguins CSV to a blessed model in the model repository. The pipeline
# ingests the CSV into train and eval splits, computes statistics, infers a schema and validates
# against it, fits the feature transform, trains gradient-boosted trees, evaluates them per island
# and sex, checks that the bundle loads and predicts, and pushes it. Then: where the model went,
# its sliced metrics, a second run judged against the first model, a reproduction of the first
# run, and the data side (statistics, schema, drift between years). Works in LATHE_DEMO_DIR
# (default build/demo-penguins).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe="$root/build/bin/lathe"
demo=${LATHE_DEMO_DIR:-$root/build/demo-penguins}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"

echo "== run the pipeline: CSV -> statistics -> schema -> validation -> transform -> train -> evaluate -> push"
"$lathe" run "$root/examples/penguins/pipeline.yaml"
first_run=$("$lathe" runs list | awk 'NR == 2 {print $1}')
echo
echo "== the model repository"
"$lathe" models list
echo
"$lathe" models show penguins
echo
echo "== sliced metrics of the evaluation (with 95% bootstrap intervals)"
evaluation=$("$lathe" --json models list | grep -o '"evaluation_id": [0-9]*' | head -1 | grep -o '[0-9]*$')
"$lathe" eval show "$evaluation" --intervals
echo
echo "== a second run with fewer boosting rounds, evaluated against the blessed model"
"$lathe" run "$root/examples/penguins/pipeline.yaml" --param rounds=1
evaluation=$("$lathe" artifacts list --type ModelEvaluation | tail -1 | awk '{print $1}')
"$lathe" eval compare "$evaluation" | grep -E "^(SLICE|overall) "
echo
echo "== reproduce the first run: every output must come out the same"
"$lathe" runs repro "$first_run"
examples=$(ls -d .lathe/artifacts/penguins/ingest/examples/* | head -1)
schema=$(ls .lathe/artifacts/penguins/schema/schema/*/schema.yaml | head -1)
echo
echo "== statistics of the train split"
"$lathe" stats compute "$examples/train.lcol"
echo
echo "== the inferred schema"
"$lathe" schema show "$schema"
echo
echo "== anomalies of the eval split against it"
"$lathe" validate "$examples/eval.lcol" --schema "$schema" || true
echo
echo "== drift between the 2007 and 2009 spans"
awk -F, 'NR == 1 || $8 == 2007' "$root/data/penguins.csv" > 2007.csv
awk -F, 'NR == 1 || $8 == 2009' "$root/data/penguins.csv" > 2009.csv
"$lathe" stats compare 2007.csv 2009.csv
