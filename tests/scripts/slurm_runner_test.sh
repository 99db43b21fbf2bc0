#!/usr/bin/env bash
# lathe run --runner slurm on a single-node Slurm cluster with a PostgreSQL store: the penguins
# pipeline's outputs are byte-identical to the local runner's; the cache works across runners; a
# failed node skips its downstream jobs; Ctrl-C cancels the jobs; a job cancelled by scancel is
# recorded, and so is a job past its time limit; sharded ExampleGen/StatisticsGen run their shard
# tasks as job arrays, with the bytes of one process.
# Usage: slurm_runner_test.sh LATHE WORKDIR (as root: slurmd runs jobs as their user).
set -euo pipefail
lathe=$(realpath "$1")
work=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
cleanup() {
  "$src/scripts/slurm-cluster.sh" stop "$work/slurm" || true
  "$src/scripts/postgres-server.sh" stop "$work/pg" || true
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }

pg=$("$src/scripts/postgres-server.sh" start "$work/pg")
slurm_env=$("$src/scripts/slurm-cluster.sh" start "$work/slurm") || fail "the Slurm cluster did not start"
export "$slurm_env"  # SLURM_CONF=...
store="${pg}slurm_test"
cd "$work"

# --- the penguins pipeline on both runners, cache off: identical outputs -----------------------
"$lathe" --json --store "sqlite://$work/local.db" --artifacts "$work/local" \
  run "$src/examples/penguins/pipeline.yaml" --no-cache >local.json || fail "local run"
"$lathe" --json --store "$store" --artifacts "$work/shared" \
  run "$src/examples/penguins/pipeline.yaml" --no-cache --runner slurm >slurm.json ||
  { cat slurm.json; cat "$work"/shared/.logs/*/*.log; fail "slurm run"; }
python3 - local.json slurm.json <<'PY'
import json, subprocess, sys
local, slurm = (json.load(open(p)) for p in sys.argv[1:3])
assert slurm["state"] == "COMPLETE", slurm
nodes_local = {n["node"]: n for n in local["nodes"]}
compared = 0
for n in slurm["nodes"]:
    assert n["state"] == "complete", n
    assert n["log"].endswith(n["node"] + ".log"), n
    for name, arts in n["outputs"].items():
        for a, b in zip(nodes_local[n["node"]]["outputs"][name], arts):
            # Byte-identical files (the pushed model's path differs only by its repository).
            r = subprocess.run(["diff", "-r", a["uri"], b["uri"]], capture_output=True, text=True)
            if r.returncode != 0 and n["node"] != "push":
                sys.exit(f"{n['node']}.{name} differs: {r.stdout[:500]}")
            compared += 1
assert compared >= 10, compared
print(f"slurm: {compared} outputs byte-identical to the local runner's")
PY
"$lathe" --store "$store" store check --fingerprints || fail "store check after the slurm run"
run=$(python3 -c 'import json; print(json.load(open("slurm.json"))["run"])')
"$lathe" --json --store "$store" runs show "$run" >show.json
python3 - show.json <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
assert run["properties"]["runner"] == "slurm", run["properties"]
assert [n["node"] for n in run["nodes"]].count("baseline") == 1, run["nodes"]  # one selection
print("slurm: run recorded with runner slurm")
PY
"$lathe" --json --store "$store" executions list --filter "custom_properties.slurm_job_state = 'COMPLETED'" --all |
  python3 -c 'import json,sys; n=sum(1 for l in sys.stdin.read().splitlines() if l.strip()); sys.exit(0 if n else 1)' ||
  fail "no execution records its Slurm job"

# --- the cache works across runners ------------------------------------------------------------
"$lathe" --json --store "$store" --artifacts "$work/shared" \
  run "$src/examples/penguins/pipeline.yaml" --runner slurm >cached-slurm.json || fail "cached slurm run"
"$lathe" --json --store "$store" --artifacts "$work/shared" \
  run "$src/examples/penguins/pipeline.yaml" >cached-local.json || fail "cached local run"
python3 - cached-slurm.json cached-local.json <<'PY'
import json, sys
for p in sys.argv[1:3]:
    r = json.load(open(p))
    states = [n["state"] for n in r["nodes"]]
    assert r["state"] == "COMPLETE", r
    assert states.count("cached") >= 7, (p, states)
print("slurm: the cache works across runners")
PY

# --- sharded data work as Slurm job arrays: the bytes of one process ---------------------------
mkdir -p sharded/data
python3 - sharded/data <<'PY'
import random, sys
random.seed(3)
for f in range(3):
    with open(f"{sys.argv[1]}/part-{f}.csv", "w") as out:
        out.write("id,x,y,kind\n")
        for i in range(5000):
            x = random.randint(0, 9999) if f != 1 else round(random.random() * 100, 4)
            out.write(f"{f * 5000 + i},{x},{random.gauss(0, 1):.6f},k{random.randint(0, 300)}\n")
PY
for shards in 1 3; do
  cat >sharded/p$shards.yaml <<YAML
apiVersion: lathe/v1
kind: Pipeline
name: sharded$shards
nodes:
  - name: examples
    component: ExampleGen
    parameters: {input: "data/part-*.csv"}
    shards: $shards
  - name: statistics
    component: StatisticsGen
    inputs: {examples: examples.examples}
    parameters: {slice_by: kind}
    shards: $shards
YAML
done
"$lathe" --json --store "sqlite://$work/local.db" --artifacts "$work/local" \
  run sharded/p1.yaml --no-cache >sharded-local.json || fail "unsharded local run"
"$lathe" --json --store "$store" --artifacts "$work/shared" \
  run sharded/p3.yaml --no-cache --runner slurm >sharded-slurm.json ||
  { cat sharded-slurm.json; cat "$work"/shared/.logs/*/*.log; fail "sharded slurm run"; }
python3 - sharded-local.json sharded-slurm.json <<'PY'
import json, subprocess, sys
local, slurm = (json.load(open(p)) for p in sys.argv[1:3])
assert slurm["state"] == "COMPLETE", slurm
for a, b in zip(local["nodes"], slurm["nodes"]):
    for name in a["outputs"]:
        x, y = a["outputs"][name][0]["uri"], b["outputs"][name][0]["uri"]
        r = subprocess.run(["diff", "-r", x, y], capture_output=True, text=True)
        assert r.returncode == 0, (a["node"], r.stdout[:300])
    log = open(b["log"]).read()
    assert "3 shard tasks (slurm)" in log, log
print("slurm: sharded ExampleGen and StatisticsGen as job arrays give the bytes of one process")
PY

# --- a failed node: its downstream jobs never start --------------------------------------------
mkdir -p fails
cat >fails/pipeline.yaml <<'YAML'
apiVersion: lathe/v1
kind: Pipeline
name: fails
nodes:
  - name: first
    component: command
    command: [sh, -c, "echo hi > ${outputs.out}/x"]
    outputs: {out: Numbers}
  - name: broken
    component: command
    command: [sh, -c, "echo broken on purpose >&2; exit 3"]
    inputs: {x: first.out}
    outputs: {out: Numbers}
  - name: after
    component: command
    command: [sh, -c, "cp -r ${inputs.x} ${outputs.out}/"]
    inputs: {x: broken.out}
    outputs: {out: Numbers}
YAML
if "$lathe" --json --store "$store" --artifacts "$work/shared" run fails/pipeline.yaml --runner slurm >fails.json; then
  fail "a failing pipeline succeeded on slurm"
fi
python3 - fails.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = {n["node"]: n for n in r["nodes"]}
assert r["state"] == "FAILED", r
assert s["first"]["state"] == "complete", s["first"]
assert s["broken"]["state"] == "failed", s["broken"]
assert s["after"]["state"] == "skipped", s["after"]
print("slurm: a failed node fails the run and skips what depends on it")
PY

# --- Ctrl-C cancels the jobs; scancel is recorded ----------------------------------------------
mkdir -p slow
cat >slow/pipeline.yaml <<'YAML'
apiVersion: lathe/v1
kind: Pipeline
name: slow
nodes:
  - name: wait
    component: command
    command: [sh, -c, "sleep 120; echo done > ${outputs.out}/x"]
    outputs: {out: Numbers}
  - name: then
    component: command
    command: [sh, -c, "cp -r ${inputs.x} ${outputs.out}/"]
    inputs: {x: wait.out}
    outputs: {out: Numbers}
YAML
# A run of slow/pipeline.yaml whose "wait" job Slurm ended with STATE: the run FAILED, the node
# recorded with the job's end, "then" skipped. Usage: expect_ended REPORT.json STATE
expect_ended() {
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = {n["node"]: n for n in r["nodes"]}
assert r["state"] == "FAILED", r
# The job's lathe records the node canceled (it caught the signal) or failed (its step died first);
# a slow (sanitizer) build may be killed before it records anything: the runner records the end.
assert s["wait"]["state"] != "complete", s["wait"]
assert "ended " + sys.argv[2] in s["wait"]["error"], s["wait"]
assert s["then"]["state"] == "skipped", s["then"]
PY
}
wait_running() {  # until node "wait" runs in its job, recorded RUNNING (at most 30 s)
  for _ in $(seq 1 300); do
    if squeue --noheader --states=RUNNING --name=lathe:slow:wait --format=%i | grep -q . &&
      "$lathe" --json --store "$store" executions list --filter "name = 'wait' AND state = 'RUNNING'" |
      grep -q '"id"'; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
"$lathe" --json --store "$store" --artifacts "$work/shared" run slow/pipeline.yaml --runner slurm >cancel.json &
runner=$!
wait_running || fail "the slow job never ran"
job=$(squeue --noheader --states=RUNNING --name=lathe:slow:wait --format=%i)
kill -INT "$runner"
rc=0
wait "$runner" || rc=$?
[ "$rc" != 0 ] || fail "a cancelled run exited 0"
state=$(squeue --noheader --states=all --jobs="$job" --format=%T)
[ "$state" = CANCELLED ] || fail "job $job is $state after Ctrl-C, not CANCELLED"
python3 - cancel.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = {n["node"]: n for n in r["nodes"]}
assert r["state"] == "CANCELED", r
assert s["wait"]["state"] in ("failed", "canceled"), s["wait"]
assert "CANCELLED" in s["wait"]["error"], s["wait"]
assert s["then"]["state"] in ("canceled", "skipped"), s["then"]
print("slurm: Ctrl-C cancelled the jobs and the run")
PY

"$lathe" --json --store "$store" --artifacts "$work/shared" run slow/pipeline.yaml --runner slurm >scancel.json &
runner=$!
wait_running || fail "the slow job never ran again"
scancel --name=lathe:slow:wait
rc=0
wait "$runner" || rc=$?
[ "$rc" = 1 ] || fail "a run whose job was cancelled exited $rc"
expect_ended scancel.json CANCELLED
echo "slurm: a job cancelled with scancel is recorded"
# --- a job past its time limit (slurmctld checks limits about every 30 s) -----------------------
t0=$(date +%s)
rc=0
"$lathe" --json --store "$store" --artifacts "$work/shared" run slow/pipeline.yaml --runner slurm \
  --slurm-time 0:05 >timeout.json || rc=$?
[ "$rc" = 1 ] || fail "a run whose job timed out exited $rc"
expect_ended timeout.json TIMEOUT
echo "slurm: a job past its time limit is recorded TIMEOUT"
echo "   (time limit enforced after $(($(date +%s) - t0)) s)"
"$lathe" --store "$store" store check || fail "store check at the end"
echo "slurm runner: ok"
