#!/usr/bin/env bash
# Serving the penguins model: push it with the penguins pipeline, start `lathe serve` on a free
# port, call it with curl through TF Serving's REST API and KServe v2, point a label at it, read
# /metrics, then stop the server with SIGTERM and measure training/serving skew from its request
# log. Works in LATHE_DEMO_DIR (default build/demo-serving).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/scripts/install-packages.sh" curl python3-grpcio python3-protobuf  # the clients
lathe="$root/build/bin/lathe"
demo=${LATHE_DEMO_DIR:-$root/build/demo-serving}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"

echo "== push a model: the penguins pipeline"
"$lathe" run "$root/examples/penguins/pipeline.yaml" >/dev/null
"$lathe" models list

echo
echo "== lathe serve (a free port; the request log samples every request)"
"$lathe" serve --address 127.0.0.1 --port 0 --grpc-port 0 --request-log requests.jsonl \
  >serve.out 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "gRPC listening on" serve.out 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' serve.out)
grpc_port=$(sed -n 's/^gRPC listening on .*:\([0-9]*\)$/\1/p' serve.out)
url="http://127.0.0.1:$port"
echo "serving on $url, and KServe v2 gRPC on 127.0.0.1:$grpc_port"

echo
echo "== TF Serving: model status and a row-format predict"
curl -s "$url/v1/models/penguins"
echo
curl -s -X POST "$url/v1/models/penguins:predict" -d '{"instances": [
  {"bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750,
   "island": "Torgersen", "sex": "male"},
  {"bill_length_mm": 46.5, "bill_depth_mm": 13.5, "flipper_length_mm": 210, "body_mass_g": 4550,
   "island": "Biscoe", "sex": "female"}]}'
echo
echo
echo "== KServe v2: ready, then infer with typed tensors"
curl -s "$url/v2/health/ready"
echo
curl -s -X POST "$url/v2/models/penguins/infer" -d '{"id": "demo-1", "inputs": [
  {"name": "bill_length_mm", "shape": [1], "datatype": "FP64", "data": [49.5]},
  {"name": "bill_depth_mm", "shape": [1], "datatype": "FP64", "data": [19.0]},
  {"name": "flipper_length_mm", "shape": [1], "datatype": "INT64", "data": [200]},
  {"name": "body_mass_g", "shape": [1], "datatype": "INT64", "data": [3800]},
  {"name": "island", "shape": [1], "datatype": "BYTES", "data": ["Dream"]},
  {"name": "sex", "shape": [1], "datatype": "BYTES", "data": ["male"]}]}'
echo
echo
echo "== a label: clients ask for /labels/stable"
"$lathe" models label penguins stable 1
sleep 2.5  # the server reads labels every poll (2 s)
curl -s "$url/v1/models/penguins/labels/stable"
echo
echo
echo "== a bad request gets a 400 that says what is wrong"
curl -s -X POST "$url/v1/models/penguins:predict" -d '{"instances": [{"body_mass_g": "heavy"}]}'
echo
echo
echo "== the eval split, scored over HTTP"
examples_id=$("$lathe" artifacts list --type Examples | awk 'NR == 2 {print $1}')
"$lathe" examples export "$examples_id" --split eval -o eval.csv
python3 - "$url" eval.csv <<'PY'
import csv, json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
# The model's inputs and their types, from its metadata (the signature).
meta = json.load(urllib.request.urlopen(url + "/v1/models/penguins/metadata"))
inputs = meta["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
parse = {"DT_DOUBLE": float, "DT_INT64": int, "DT_STRING": str}
types = {name: parse[info["dtype"]] for name, info in inputs.items()}
rows = [{k: types[k](v) if v != "" else None for k, v in r.items() if k in types}
        for r in csv.DictReader(open(path))]
req = urllib.request.Request(url + "/v1/models/penguins:predict",
                             data=json.dumps({"instances": rows}).encode(), method="POST")
out = json.load(urllib.request.urlopen(req))
print(f"{len(out['predictions'])} rows scored; first: {out['predictions'][0]['class']}")
PY
echo
echo "== KServe v2 over gRPC: the Python client (grpcio) scores five eval rows"
head -6 eval.csv >eval-head.csv
/usr/bin/python3 "$root/examples/serving/grpc_client.py" --target "127.0.0.1:$grpc_port" \
  --model penguins --csv eval-head.csv |
  /usr/bin/python3 -c 'import json, sys; r = json.load(sys.stdin); print("ready:", r["ready"], "classes:", r["outputs"]["class"])'
echo
echo "== /metrics (excerpt)"
curl -s "$url/metrics" | grep -E '^lathe_serve_(requests_total|loaded_versions|request_duration_seconds_count)'

echo
echo "== SIGTERM: finish in-flight requests, exit 0"
kill -TERM $server
wait $server
trap - EXIT
tail -2 serve.log

echo
echo "== training/serving skew: the training split against the request log"
"$lathe" examples export "$examples_id" --split train -o train.csv
"$lathe" stats compare train.csv requests.jsonl
