#!/usr/bin/env bash
# bench/run.sh ui: the web UI's time to interactive in Debian's chromium. The lineage view of a
# model with a 10,000-node history (385 warm-started trainings over 8 spans each,
# bench/lineage_populate.cc): from navigation to the graph drawn and taking input, and to ELK's
# final layout. Last line: one JSON object.
#   LATHE_BENCH_REPEAT  repetitions (default 5; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build-bench/bin
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
store="sqlite://$work/metadata.db"
model=$("$bin/lathe_bench_lineage_populate" "$store" 385 8)
"$bin/lathe" --store "$store" --json lineage "$model" --hops 1000 --max-nodes 20000 >"$work/lineage.json"
nodes=$(grep -o '"kind": "[a-z]*"' "$work/lineage.json" | wc -l)
echo "store: model $model, whose upstream lineage has $nodes nodes"
"$bin/lathe" --store "$store" ui --port 0 --assets build-bench/ui >"$work/ui.out" 2>"$work/ui.err" &
server=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/ui.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/ui.out")
[ -n "$port" ] || { cat "$work/ui.err"; exit 1; }
(cd ui && LATHE_UI_URL="http://127.0.0.1:$port" LATHE_REPEAT="${LATHE_BENCH_REPEAT:-5}" \
  LATHE_LINEAGE_PATH="#/lineage/artifacts/$model?direction=up&hops=1000" node bench/ui_bench.mjs) |
  tee "$work/result.json" >/dev/null
result=$(tail -1 "$work/result.json")
echo "lineage view, $nodes nodes: interactive after $(echo "$result" | grep -o '"lineage_10k_ms":[0-9]*' | cut -d: -f2) ms (median), ELK's layout after $(echo "$result" | grep -o '"lineage_10k_elk_ms":[0-9]*' | cut -d: -f2) ms"
echo "$result"
