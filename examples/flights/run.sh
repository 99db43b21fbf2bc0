#!/usr/bin/env bash
# The flights demo: fetches the 3,000,000-row flights data once (scripts/fetch-data.sh flights),
# cuts it into monthly spans, compares May and June 2001 feature by feature, and runs the
# pipeline that ingests June, validates it against May's schema and flags the drift. Works in
# LATHE_DEMO_DIR (default build/demo-flights).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe="$root/build/bin/lathe"
demo=${LATHE_DEMO_DIR:-$root/build/demo-flights}
csv=$("$root/scripts/fetch-data.sh" flights)
mkdir -p "$demo/months"
cd "$demo"
if [ ! -s months/span-6.csv ]; then
  awk -F, 'NR == 1 { h = $0; next } { m = substr($1, 6, 2) + 0; f = "months/span-" m ".csv";
           if (!(f in seen)) { print h > f; seen[f] = 1 } print > f }' "$csv"
fi
echo "== May vs June 2001"
"$lathe" stats compare months/span-5.csv months/span-6.csv --threshold psi=0.02
echo
echo "== the pipeline: June against May"
cp "$root/examples/flights/pipeline.yaml" .
"$lathe" run pipeline.yaml || true
cat .lathe/artifacts/flights/validate/anomalies/*/anomalies.json | head -40
