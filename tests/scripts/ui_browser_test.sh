#!/usr/bin/env bash
# The web UI in a browser, on stores the example pipelines fill:
#   penguins  a run, a cached rerun, a run with other parameters (ui/tests/browser.test.mjs);
#   flights   three monthly spans, 20,000 flights each, one run per span: drift between spans,
#             warm-started models (ui/tests/browser_flights.test.mjs);
#   rollout   the rollout simulation (examples/rollout, 20,000 visits), then a `lathe serve` on its
#             store taking traffic (logging its requests), and `lathe ui --server ... --token-file
#             ... --request-log ...` that may change the deployment
#             (ui/tests/browser_rollout.test.mjs).
# Each store gets its own `lathe ui`; node's test runner drives Debian's chromium with
# playwright-core. Screenshots go to BUILD_DIR/ui-screenshots.
#   ui_browser_test.sh LATHE BUILD_DIR
set -euo pipefail
lathe=$1
build=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server in the current folder (its output in NAME.out) and sets $port to its port. Not
# in a subshell: cleanup must know every server's pid.
start() {
  local name=$1
  shift
  "$@" >"$name.out" 2>"$name.err" &
  pids+=($!)
  for _ in $(seq 200); do grep -q '^listening on' "$name.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/^listening on [^:]*:\([0-9]*\).*/\1/p' "$name.out" | head -1)
  [ -n "$port" ] || { cat "$name.err" >&2; exit 1; }
}

mkdir -p "$work/penguins" "$work/flights/incoming" "$work/flights/months"
cd "$work/penguins"
"$lathe" run "$root/examples/penguins/pipeline.yaml" >/dev/null
"$lathe" run "$root/examples/penguins/pipeline.yaml" >/dev/null
"$lathe" run "$root/examples/penguins/pipeline.yaml" --param rounds=20 >/dev/null
start ui "$lathe" ui --port 0 --assets "$build/ui"
penguins_port=$port

cd "$work/flights"
csv=$("$root/scripts/fetch-data.sh" flights)
awk -F, -v n=20000 'NR == 1 { h = $0; next } { m = substr($1, 6, 2) + 0; if (m > 3) next;
     f = "months/span-" m ".csv"; if (!(f in seen)) { print h > f; seen[f] = 1 }
     if (c[m]++ < n) print > f }' "$csv"
cp "$root/examples/flights/pipeline.yaml" .
for month in 1 2 3; do
  cp "months/span-$month.csv" incoming/
  "$lathe" run pipeline.yaml --parallelism 2 >/dev/null
done
start ui "$lathe" ui --port 0 --assets "$build/ui"
flights_port=$port

LATHE_BIN="$lathe" LATHE_DEMO_DIR="$work/rollout" LATHE_ROLLOUT_VISITS=20000 \
  "$root/examples/rollout/run.sh" >"$work/rollout.log" 2>&1 || { cat "$work/rollout.log"; exit 1; }
cd "$work/rollout"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >token
start serve "$lathe" serve --address 127.0.0.1 --port 0 --deployment-interval-ms 200 \
  --request-log requests.jsonl
serve_port=$port
# Traffic for the serving monitor: visits answered by the deployed version.
/usr/bin/python3 "$root/examples/rollout/traffic.py" --port "$serve_port" --visits 600 \
  --first-user 500000 >/dev/null
# The request log is written every 100 ms: wait for the visits' last lines.
for _ in $(seq 50); do [ "$(wc -l <requests.jsonl 2>/dev/null || echo 0)" -ge 600 ] && break; sleep 0.1; done
start ui "$lathe" ui --port 0 --assets "$build/ui" --server "http://127.0.0.1:$serve_port" \
  --token-file token --request-log requests.jsonl
rollout_port=$port

cd "$root/ui"
export LATHE_BIN="$lathe" LATHE_SCREENSHOTS="$build/ui-screenshots"
LATHE_UI_URL="http://127.0.0.1:$penguins_port" LATHE_STORE_DIR="$work/penguins" \
  node --test --test-reporter=spec tests/browser.test.mjs
LATHE_UI_URL="http://127.0.0.1:$flights_port" LATHE_STORE_DIR="$work/flights" \
  node --test --test-reporter=spec tests/browser_flights.test.mjs
LATHE_UI_URL="http://127.0.0.1:$rollout_port" LATHE_STORE_DIR="$work/rollout" \
  LATHE_SERVE_URL="http://127.0.0.1:$serve_port" LATHE_TOKEN_FILE="$work/rollout/token" \
  node --test --test-reporter=spec tests/browser_rollout.test.mjs
