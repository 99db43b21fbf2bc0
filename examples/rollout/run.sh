#!/usr/bin/env bash
# Rollouts and business metrics, simulated on this machine: three versions of a model that decides
# which offer a shop shows (examples/rollout/users.py documents how simulated users behave), served
# by `lathe serve` under a deployment named "shop".
#   1. v1 (a weak model) is stable; v2 (a good one) goes out as a canary to half the users, sticky
#      by user id. Conversions fed back per user show v2's uplift with an always-valid p-value.
#   2. v2 is promoted. v3, trained on mislabelled data, goes out as a canary to 20%: it converts
#      significantly worse, the business guardrail holds for its window, and the server rolls it
#      back by itself, recording why.
# Ends with `lathe deployments show shop` and `lathe models show` of v2 and v3: the business effect
# of each version, kept on its model artifact. Works in LATHE_DEMO_DIR (default build/demo-rollout).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe=${LATHE_BIN:-$root/build/bin/lathe}
here="$root/examples/rollout"
demo=${LATHE_DEMO_DIR:-$root/build/demo-rollout}
visits=${LATHE_ROLLOUT_VISITS:-100000}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
py=/usr/bin/python3

echo "== training data, and three versions of the model"
"$py" "$here/make_data.py" --out data
"$lathe" run "$here/pipeline.yaml" --param data="$demo/data/users.csv" --param rounds=1 \
  --param max_depth=1 > /dev/null
"$lathe" run "$here/pipeline.yaml" --param data="$demo/data/users.csv" > /dev/null
"$lathe" run "$here/pipeline.yaml" --param data="$demo/data/users_mislabelled.csv" > /dev/null
"$lathe" models list

echo
echo "== deploy v1 as stable, sticky by user id, and start the server"
"$lathe" deploy shop --model offers --version 1 --sticky-header X-User-Id \
  --reason "v1: a single stump" > /dev/null
"$lathe" serve --address 127.0.0.1 --port 0 --deployment-interval-ms 500 \
  --rollout-interval-ms 1000 > serve.out 2> serve.log &
server=$!
trap 'kill $server 2> /dev/null; wait $server 2> /dev/null || true' EXIT
for _ in $(seq 600); do
  grep -q "listening on" serve.out && break
  sleep 0.1
done
port=$(sed -n 's/^listening on [0-9.]*:\([0-9]*\).*/\1/p' serve.out)
echo "lathe serve on port $port"

echo
echo "== v2 as a canary to 50% of users"
"$lathe" deploy shop --version 2 --canary 50% --reason "v2: deeper trees" > /dev/null
sleep 1  # the server reads deployments every 0.5 s
"$py" "$here/traffic.py" --port "$port" --visits "$visits" --first-user 0
sleep 1.5  # the last feedback reaches the store
"$lathe" deployments show shop | grep -E "^deployment|stable|canary|uplift"

echo
echo "== promote v2; then v3 (trained on mislabelled data) as a canary to 20%"
"$lathe" promote shop --reason "v2 converts better" > /dev/null
"$lathe" deploy shop --version 3 --canary 20% --breach-window-s 3 \
  --reason "v3: retrained on this week's labels" > /dev/null
sleep 1
"$py" "$here/traffic.py" --port "$port" --visits 60000 --first-user 100000 --until-rollback

echo
echo "== the deployment and its history"
"$lathe" deployments show shop
echo
echo "== what each version did for the business, on the model repository"
"$lathe" models show offers/2 | grep -E "^offers|business|canary v|stable v"
"$lathe" models show offers/3 | grep -E "^offers|business|canary v|stable v"
