#!/usr/bin/env bash
# bench/run.sh serve: single-row predictions of the penguins XGBoost model over HTTP/1.1
# keep-alive at 32 connections (wrk, on this machine), for lathe serve and the Python peers serving
# the same bundle with the same work (bench/serve_peer.py): Flask under gunicorn (2 sync workers)
# and FastAPI under uvicorn (2 workers). Every server gets the same cores (all of them, shared with
# the load generator). Then lathe serve at half its maximum rate (h2load --rps) for p99 latency,
# each server's resident memory after the load, and the in-process limit through the same bundle.
#   LATHE_BENCH_SECONDS  seconds of load per server (default 10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lathe="$root/build-bench/bin/lathe"
seconds=${LATHE_BENCH_SECONDS:-10}
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM -- -"$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

echo "== the model: the penguins pipeline, pushed to $work/.lathe/models" >&2
"$lathe" run "$root/examples/penguins/pipeline.yaml" >/dev/null
bundle=$work/.lathe/models/penguins/1
cat >body.json <<'JSON'
{"instances": [{"bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750, "island": "Torgersen", "sex": "male"}]}
JSON
cat >post.lua <<LUA
wrk.method = "POST"
wrk.body = io.open("$work/body.json"):read("*a")
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.stderr:write(string.format("WRK %d %d %.3f %.3f\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(99) / 1000,
    summary.duration / 1e6))
end
LUA

# Starts a server in its own process group ($server) and waits for its port.
start() {
  setsid "$@" >server.out 2>server.err &
  server=$!
  for _ in $(seq 300); do
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data @body.json \
      "http://127.0.0.1:$port/v1/models/penguins:predict" && return 0
    sleep 0.1
  done
  echo "the server did not start: $*" >&2
  cat server.err >&2
  exit 1
}
stop() {
  kill -TERM -- -"$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}
# Resident memory of the server's process group, MiB.
rss() {
  local kb=0
  for pid in $(pgrep -g "$server"); do
    kb=$((kb + $(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)))
  done
  echo $((kb / 1024))
}
# wrk for $seconds at 32 connections; sets qps, errors, p99.
load() {
  wrk -t2 -c32 -d"${seconds}s" -s post.lua "http://127.0.0.1:$port/v1/models/penguins:predict" \
    >wrk.out 2>wrk.err
  read -r _ requests errors p99 duration < <(grep '^WRK' wrk.err)
  qps=$(awk -v r="$requests" -v d="$duration" 'BEGIN {printf "%.0f", r / d}')
}

port=18501
echo "== lathe serve" >&2
start "$lathe" serve --address 127.0.0.1 --port $port --model-repository .lathe/models
load
qps_lathe=$qps errors_lathe=$errors p99_lathe=$p99
rss_lathe=$(rss)
echo "   $qps_lathe req/s, p99 $p99_lathe ms, $errors_lathe errors, RSS $rss_lathe MiB" >&2
# p99 at half the maximum rate: h2load sends at a fixed rate (--rps per connection) on the same 32
# keep-alive connections; each request's time, from sending it to its answer, is in h2load's log.
# The connections are opened 1 ms apart, so their schedules are spread over the interval between
# requests as independent clients' would be. For contrast, the same rate with all 32 opened at
# once: every connection then sends at the same instants, 32 requests at a time.
half_rps=$(awk -v q="$qps_lathe" 'BEGIN {printf "%d", q / 2 / 32}')
# Runs h2load with "$@" at the half rate; sets rate_half, p99_half and failed_half.
half_load() {
  rm -f h2load.log
  h2load --h1 -c32 -t1 --rps "$half_rps" -d body.json -H 'Content-Type: application/json' \
    --log-file h2load.log "$@" "http://127.0.0.1:$port/v1/models/penguins:predict" >h2load.out 2>&1
  local non_2xx
  read -r _ p99_half non_2xx < <(sort -n -k3 h2load.log | awk '{n++; t[n] = $3;
    if ($2 != 200) bad++} END {printf "%d %.3f %d\n", n, t[int(n * 0.99)] / 1000, bad}')
  # "requests: N total, N started, N done, N succeeded, F failed, E errored, T timeout"
  failed_half=$(($(awk '/^requests:/ {print $10 + $12 + $14}' h2load.out) + non_2xx))
  rate_half=$(awk '/^finished in/ {printf "%.0f", $4}' h2load.out)
}
half_load -r 1 --rate-period 1ms -n $((half_rps * 32 * seconds))
rate_spread=$rate_half p99_spread=$p99_half failed_spread=$failed_half
echo "   at half load ($rate_spread req/s, $half_rps per connection): p99 $p99_spread ms, $failed_spread failed" >&2
half_load -D "$seconds"
p99_synchronized=$p99_half failed_synchronized=$failed_half
echo "   the same, connections in step ($rate_half req/s): p99 $p99_synchronized ms, $failed_synchronized failed" >&2
stop

port=18502
echo "== Flask + gunicorn (2 sync workers)" >&2
LATHE_BUNDLE=$bundle start /usr/bin/python3 -m gunicorn -w 2 -b 127.0.0.1:$port --chdir "$root/bench" \
  --log-level warning serve_peer:flask_app
load
qps_flask=$qps errors_flask=$errors p99_flask=$p99
rss_flask=$(rss)
echo "   $qps_flask req/s, p99 $p99_flask ms, $errors_flask errors, RSS $rss_flask MiB" >&2
stop

port=18503
echo "== FastAPI + uvicorn (2 workers)" >&2
LATHE_BUNDLE=$bundle start /usr/bin/python3 -m uvicorn --workers 2 --host 127.0.0.1 --port $port \
  --app-dir "$root/bench" --log-level warning serve_peer:fastapi_app
load
qps_fastapi=$qps errors_fastapi=$errors p99_fastapi=$p99
rss_fastapi=$(rss)
echo "   $qps_fastapi req/s, p99 $p99_fastapi ms, $errors_fastapi errors, RSS $rss_fastapi MiB" >&2
stop

echo "== in process (one thread, no network)" >&2
inprocess=$("$root/build-bench/bin/lathe_bench_serve_inprocess" .lathe/models penguins body.json 3)
echo "   $inprocess" >&2
python3 - "$inprocess" <<PY
import json, sys
inp = json.loads(sys.argv[1])
r = {
  "qps_lathe": $qps_lathe, "qps_flask": $qps_flask, "qps_fastapi": $qps_fastapi,
  "qps_vs_flask": round($qps_lathe / max($qps_flask, 1), 2),
  "qps_vs_fastapi": round($qps_lathe / max($qps_fastapi, 1), 2),
  "p99_ms_lathe_max_load": $p99_lathe, "p99_ms_flask": $p99_flask, "p99_ms_fastapi": $p99_fastapi,
  "p99_ms_half_load": $p99_spread, "qps_half_load": $rate_spread,
  "p99_ms_half_load_in_step": $p99_synchronized,
  "inprocess_rows_per_s": inp["predict_instances_per_s"],
  "inprocess_rest_handle_per_s": inp["rest_handle_per_s"],
  "inprocess_rest_handle_deployed_per_s": inp["rest_handle_deployed_per_s"],
  "rss_mib": $rss_lathe, "rss_mib_flask": $rss_flask, "rss_mib_fastapi": $rss_fastapi,
  "failed_requests": $errors_lathe + $failed_spread + $failed_synchronized,
  "failed_requests_peers": $errors_flask + $errors_fastapi,
}
print(json.dumps(r))
PY
