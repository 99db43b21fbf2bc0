#!/usr/bin/env bash
# bench/run.sh ui: the web UI in Debian's chromium, and its API on a large store.
#   lineage_10k_ms   the lineage view of a model with a 10,000-node history (385 warm-started
#                    trainings over 8 spans each, bench/lineage_populate.cc): from navigation to the
#                    graph drawn and taking input (and lineage_10k_elk_ms: to ELK's final layout);
#   compare_500_ms   the run comparison of 500 real runs of the penguins pipeline, each with other
#                    rounds (bench/pipeline_populate.cc): to the table and both charts drawn (and
#                    compare_select_two_ms: two runs selected and shown side by side);
#   api_p50_ms, api_p99_ms  the API on the 1,000,000-artifact store of bench/run.sh store (built
#                    once, cached in bench/.cache): pages, filtered pages, records, lineage.
# Last line: one JSON object.
#   LATHE_BENCH_REPEAT  repetitions in the browser (default 5; medians are reported)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/build-bench/bin
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts `lathe ui` on a store and sets $url to it. Not in a subshell: cleanup must know the pid.
ui() {
  local name=$1 store=$2 port
  "$bin/lathe" --store "$store" ui --port 0 --assets "$root/build-bench/ui" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^listening on' "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/$name.out")
  [ -n "$port" ] || { cat "$work/$name.err" >&2; exit 1; }
  url="http://127.0.0.1:$port"
}

lineage_store="sqlite://$work/lineage.db"
model=$("$bin/lathe_bench_lineage_populate" "$lineage_store" 385 8)
"$bin/lathe" --store "$lineage_store" --json lineage "$model" --hops 1000 --max-nodes 20000 >"$work/lineage.json"
nodes=$(grep -o '"kind": "[a-z]*"' "$work/lineage.json" | wc -l)
echo "lineage store: model $model, whose upstream lineage has $nodes nodes"

mkdir -p "$work/runs"
(cd "$work/runs" && "$bin/lathe_bench_populate" "sqlite://$work/runs/metadata.db" "$work/runs/artifacts" \
  "$root/examples/penguins/pipeline.yaml" 500 rounds=1)
echo "runs store: $("$bin/lathe" --store "sqlite://$work/runs/metadata.db" --json runs compare | grep -c '"run":') runs of the penguins pipeline"

history=$("$bin/lathe_bench_store" --history-store --cache bench/.cache | tail -1)
echo "API store: $history"

ui lineage "$lineage_store"
lineage_url=$url
ui runs "sqlite://$work/runs/metadata.db"
runs_url=$url
ui history "sqlite://$history"
history_url=$url
(cd ui && LATHE_UI_URL="$lineage_url" LATHE_REPEAT="${LATHE_BENCH_REPEAT:-5}" \
  LATHE_LINEAGE_PATH="#/lineage/artifacts/$model?direction=up&hops=1000" \
  LATHE_COMPARE_URL="$runs_url" LATHE_COMPARE_PATH="#/compare?limit=500" node bench/ui_bench.mjs) |
  tail -1 >"$work/browser.json"
(cd ui && LATHE_UI_URL="$history_url" node bench/api_bench.mjs) | tail -1 >"$work/api.json"
field() { grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2; }
echo "lineage view, $nodes nodes: interactive after $(field "$work/browser.json" lineage_10k_ms) ms (median), ELK's layout after $(field "$work/browser.json" lineage_10k_elk_ms) ms"
echo "run comparison, $(field "$work/browser.json" compare_runs) runs: interactive after $(field "$work/browser.json" compare_500_ms) ms (median), every row drawn after $(field "$work/browser.json" compare_500_complete_ms) ms; two runs side by side after $(field "$work/browser.json" compare_select_two_ms) ms more"
echo "API on the 1,000,000-artifact store: p50 $(field "$work/api.json" api_p50_ms) ms, p99 $(field "$work/api.json" api_p99_ms) ms over $(field "$work/api.json" api_requests) requests"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); a.update(json.load(open(sys.argv[2]))); print(json.dumps(a))' \
  "$work/browser.json" "$work/api.json"
