#!/usr/bin/env bash
# The flights demo: continuous training over six months. Fetches the 3,000,000-row flights data
# once (scripts/fetch-data.sh flights), cuts it into monthly spans, then delivers January to June
# one month at a time, running the pipeline after each: drift against the month before, training
# on the latest three months with a warm start, evaluation against the latest blessed model, and a
# push only when the new model is at least as good. Ends with the history of blessed models.
# Works in LATHE_DEMO_DIR (default build/demo-flights).
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
echo "== May vs June 2001, feature by feature"
"$lathe" stats compare months/span-5.csv months/span-6.csv --threshold psi=0.02
rm -rf incoming .lathe
mkdir incoming
cp "$root/examples/flights/pipeline.yaml" .
# One line per month: drift found, and the candidate against the blessed model on the new month.
summary() {
  python3 - "$1" <<'PY'
import glob, json, os, sys
def newest(pattern):
    files = glob.glob(pattern)
    return max(files, key=os.path.getmtime) if files else None
drift = json.load(open(newest(".lathe/artifacts/flights/drift/anomalies/*/anomalies.json")))
found = [f"{a['feature']} {a['kind']}" for split in drift["splits"].values() for a in split]
ev = json.load(open(newest(".lathe/artifacts/flights/evaluate/evaluation/*/metrics.json")))
blessing = json.load(open(newest(".lathe/artifacts/flights/evaluate/blessing/*/blessing.json")))
auc = lambda m: next(s for s in m["slices"] if s["slice"] == "overall")["metrics"]["auc"]
base = f"{auc(ev['baseline']):.4f}" if "baseline" in ev else "none"
print(f"month {sys.argv[1]}: drift: {', '.join(sorted(set(found))) or 'none'}; "
      f"candidate AUC {auc(ev['candidate']):.4f} vs blessed model {base} -> "
      f"{'blessed, pushed' if blessing['blessed'] else 'not blessed, kept the old model'}")
PY
}
history=""
for month in 1 2 3 4 5 6; do
  echo
  echo "== month $month arrives"
  cp "months/span-$month.csv" incoming/
  "$lathe" run pipeline.yaml --parallelism 2 2>&1 | grep -v '^  '
  history+="$(summary "$month")"$'\n'
done
echo
echo "== month by month"
printf '%s' "$history"
echo
echo "== the history of blessed models"
"$lathe" models list flights
