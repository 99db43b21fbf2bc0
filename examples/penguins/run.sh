#!/usr/bin/env bash
# The main demo: from the penguins CSV to a blessed model in the model repository. The pipeline
# ingests the CSV into train and eval splits, computes statistics, infers a schema and validates
# against it, fits the feature transform, trains gradient-boosted trees, evaluates them per island
# and sex, checks that the bundle loads and predicts, and pushes it. Then: where the model went
# and its lineage back to the CSV, its sliced metrics, scoring rows with it, a second run judged
# against the first model, reproductions that change nothing in production, and the data side
# (statistics, schema, drift between years). Works in LATHE_DEMO_DIR (default build/demo-penguins).
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
echo "== its lineage, back to the CSV file"
pushed=$("$lathe" --json models list | grep -o '"pushed_model_id": [0-9]*' | head -1 | grep -o '[0-9]*$')
"$lathe" lineage "$pushed" | grep -E "^(lineage|HOPS)|ExternalArtifact|Trainer|ExampleGen"
echo
echo "== sliced metrics of the evaluation (with 95% bootstrap intervals)"
evaluation=$("$lathe" --json models list | grep -o '"evaluation_id": [0-9]*' | head -1 | grep -o '[0-9]*$')
"$lathe" eval show "$evaluation" --intervals
echo
echo "== score the eval split with the pushed model (the bundle's own transform)"
examples_id=$("$lathe" artifacts list --type Examples | awk 'NR == 2 {print $1}')
"$lathe" examples export "$examples_id" --split eval -o eval.csv
"$lathe" predict penguins eval.csv -o predictions.csv --keep species
head -4 predictions.csv
echo
echo "== the same pipeline again: every step is reused from the cache"
"$lathe" run "$root/examples/penguins/pipeline.yaml" | tail -3
cached_run=$("$lathe" runs list | awk 'NR == 2 {print $1}')
echo
echo "== a second run with fewer boosting rounds, evaluated against the blessed model"
"$lathe" run "$root/examples/penguins/pipeline.yaml" --param rounds=1
evaluation=$("$lathe" artifacts list --type ModelEvaluation | tail -1 | awk '{print $1}')
"$lathe" eval compare "$evaluation" | grep -E "^(SLICE|overall) "
echo
echo "== reproduce the first run and the cached one: every output must come out the same, and"
echo "   nothing in production may change (no push, the same latest blessed model)"
"$lathe" runs repro "$first_run" | tail -1
"$lathe" runs repro "$cached_run"
"$lathe" models list
"$lathe" runs list
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
