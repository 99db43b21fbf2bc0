#!/usr/bin/env bash
# The data demo: ingest the penguins CSV into train and eval splits, compute statistics, infer a
# schema and validate both splits against it; then show the statistics, the schema and what the
# validator found, and compare the 2007 and 2009 spans. Works in LATHE_DEMO_DIR (default
# build/demo-penguins).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe="$root/build/bin/lathe"
demo=${LATHE_DEMO_DIR:-$root/build/demo-penguins}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"

echo "== run the data pipeline"
"$lathe" run "$root/examples/penguins/pipeline.yaml"
examples=$(ls -d .lathe/artifacts/penguins/ingest/examples/*)
echo
echo "== statistics of the train split"
"$lathe" stats compute "$examples/train.lcol"
echo
echo "== the inferred schema"
"$lathe" schema show .lathe/artifacts/penguins/schema/schema/*/schema.yaml
echo
echo "== anomalies of the eval split against it"
"$lathe" validate "$examples/eval.lcol" --schema .lathe/artifacts/penguins/schema/schema/*/schema.yaml || true
echo
echo "== drift between the 2007 and 2009 spans"
awk -F, 'NR == 1 || $8 == 2007' "$root/data/penguins.csv" > 2007.csv
awk -F, 'NR == 1 || $8 == 2009' "$root/data/penguins.csv" > 2009.csv
"$lathe" stats compare 2007.csv 2009.csv
