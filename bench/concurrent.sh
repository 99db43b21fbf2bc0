#!/usr/bin/env bash
# The concurrency benchmark (run it through bench/run.sh concurrent): four `lathe run` of a
# training pipeline (ingest 200,000 synthetic rows, transform, XGBoost 60 rounds, evaluate), each
# in its own directory and store, first one after another, then all four at once, on this
# machine's cores. The figure is the ratio of the two wall times: with one thread budget (each
# node's share of the cores) and idle OpenMP threads sleeping, running them together should take
# about as long as running them in turn (target <= 1.5). For contrast, the same four at once with
# OpenMP threads that spin while idle (OMP_WAIT_POLICY=ACTIVE, the old behaviour's worst case).
# REPS repetitions (default 3), medians. The last line is one JSON object of figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lathe="$root/build-bench/bin/lathe"
reps=${REPS:-3}
runs=${RUNS:-4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 200,000 rows, 8 numeric features and a city, a label that depends on them with noise. Fixed seed.
awk 'BEGIN {
  srand(7); print "a,b,c,d,e,f,g,h,city,label";
  split("oslo rome lima kyiv baku", cities, " ");
  for (i = 0; i < 200000; i++) {
    s = 0; line = "";
    for (k = 1; k <= 8; k++) { v = rand() * 2 - 1; s += v * k; line = line sprintf("%.5f,", v) }
    c = cities[int(rand() * 5) + 1];
    printf "%s%s,%d\n", line, c, (s + (rand() * 4 - 2) > 0) ? 1 : 0
  } }' > "$work/data.csv"
cat > "$work/pipeline.yaml" <<YAML
apiVersion: lathe/v1
kind: Pipeline
name: concurrent
nodes:
  - name: ingest
    component: ExampleGen
    parameters: {input: $work/data.csv}
  - name: transform
    component: Transform
    inputs: {examples: ingest.examples}
    parameters:
      label: {column: label}
      features: [{input: a}, {input: b}, {input: c}, {input: d}, {input: e}, {input: f},
                 {input: g}, {input: h}, {input: city, op: vocabulary}]
  - name: train
    component: Trainer
    inputs: {examples: ingest.examples, transform_graph: transform.transform_graph}
    parameters: {hyperparameters: {rounds: 60, max_depth: 6, seed: 1}}
  - name: evaluate
    component: Evaluator
    inputs: {examples: ingest.examples, model: train.model}
    parameters: {bootstrap: 0}
YAML

# Runs RUNS pipelines (in fresh directories), together or in turn; prints the wall time in ms.
batch() {
  local mode=$1 t0 t1
  rm -rf "$work/runs"
  for i in $(seq 1 "$runs"); do mkdir -p "$work/runs/$i"; done
  t0=$(date +%s%N)
  if [ "$mode" = together ]; then
    for i in $(seq 1 "$runs"); do
      (cd "$work/runs/$i" && "$lathe" run "$work/pipeline.yaml" >run.log 2>&1) &
    done
    wait
  else
    for i in $(seq 1 "$runs"); do (cd "$work/runs/$i" && "$lathe" run "$work/pipeline.yaml" >run.log 2>&1); done
  fi
  t1=$(date +%s%N)
  for i in $(seq 1 "$runs"); do
    grep -q "COMPLETE in" "$work/runs/$i/run.log" || { cat "$work/runs/$i/run.log" >&2; exit 1; }
  done
  echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

batch apart >/dev/null  # warm the page cache
apart=(); together=(); spinning=()
for r in $(seq 1 "$reps"); do
  apart+=("$(batch apart)")
  together+=("$(batch together)")
  spinning+=("$(OMP_WAIT_POLICY=ACTIVE batch together)")
  echo "repetition $r: in turn ${apart[-1]} ms, together ${together[-1]} ms, together with spinning OpenMP ${spinning[-1]} ms" >&2
done
a=$(printf '%s\n' "${apart[@]}" | median)
t=$(printf '%s\n' "${together[@]}" | median)
s=$(printf '%s\n' "${spinning[@]}" | median)
one=$(grep -o "([0-9]* at once, [0-9]* threads\? each)" "$work/runs/1/run.log" | head -1)
echo "$runs runs of a training pipeline on $(nproc) cores ${one}:"
echo "  one after another   ${a} ms"
echo "  all at once         ${t} ms   (ratio $(awk -v t="$t" -v a="$a" 'BEGIN {printf "%.2f", t / a}'), target <= 1.5)"
echo "  at once, spinning   ${s} ms   (ratio $(awk -v t="$s" -v a="$a" 'BEGIN {printf "%.2f", t / a}'), OMP_WAIT_POLICY=ACTIVE)"
printf '{"runs": %d, "cores": %d, "in_turn_ms": %d, "together_ms": %d, "together_spinning_ms": %d, "together_vs_in_turn": %s, "spinning_vs_in_turn": %s}\n' \
  "$runs" "$(nproc)" "$a" "$t" "$s" \
  "$(awk -v t="$t" -v a="$a" 'BEGIN {printf "%.3f", t / a}')" "$(awk -v t="$s" -v a="$a" 'BEGIN {printf "%.3f", t / a}')"
