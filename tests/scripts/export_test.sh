#!/usr/bin/env bash
# lathe export argo|airflow on the penguins pipeline: the Argo Workflow validates against the
# argoproj.io/v1alpha1 schemas (npm @kubernetes-models/argo-workflows, offline), the Airflow DAG
# compiles with Python (Airflow's API stubbed: Airflow is in neither Debian nor npm); both have one
# task per node with the pipeline's dependencies and a last task that finishes the run; and both
# are executed here, task by task in dependency order with this lathe, to a COMPLETE run whose
# outputs are those of a local run. Usage: export_test.sh LATHE WORKDIR
set -euo pipefail
lathe=$(realpath "$1")
work=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
cd "$work"
fail() { echo "FAILED: $*"; exit 1; }
spec=$src/examples/penguins/pipeline.yaml
g=(--store "sqlite://$work/store.db" --artifacts "$work/artifacts" --model-repository "$work/models")

"$lathe" "${g[@]}" export argo "$spec" --image lathe:test --volume-claim lathe-shared -o wf.yaml ||
  fail "export argo"
# A store of its own for the Airflow run: a second run in one store would warm-start from the first.
"$lathe" --store "sqlite://$work/airflow.db" --artifacts "$work/artifacts" \
  --model-repository "$work/models" export airflow "$spec" -o dag.py || fail "export airflow"
/usr/bin/python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open("wf.yaml")), open("wf.json", "w"))'
node "$src/ui/tests/validate_argo_workflow.mjs" wf.json || fail "the Argo Workflow is not valid"
# The validator does refuse what is not a Workflow (a template's container made a string).
/usr/bin/python3 -c 'import json; w = json.load(open("wf.json")); w["spec"]["templates"][1]["container"] = "x"; json.dump(w, open("bad.json", "w"))'
if node "$src/ui/tests/validate_argo_workflow.mjs" bad.json 2>/dev/null; then fail "the validator took a broken workflow"; fi
# Two nodes that would share an Argo task name are refused, naming them.
cat >clash.yaml <<'YAML'
apiVersion: lathe/v1
kind: Pipeline
name: clash
nodes:
  - {name: a_b, component: command, command: [sh, -c, "true"]}
  - {name: a-b, component: command, command: [sh, -c, "true"]}
YAML
rc=0
"$lathe" export argo clash.yaml >/dev/null 2>clash.err || rc=$?
[ "$rc" = 2 ] && grep -q "node 'a-b' becomes Argo task 'a-b'" clash.err || { cat clash.err; fail "a task name clash (exit $rc)"; }

# The reference: the same pipeline in one local run.
"$lathe" --json --store "sqlite://$work/local.db" --artifacts "$work/local" \
  --model-repository "$work/local-models" run "$spec" >local.json || fail "local run"

LATHE_SRC=$src /usr/bin/python3 - "$lathe" "$spec" <<'PY'
import json, os, subprocess, sys
lathe, spec = sys.argv[1:3]
wf = json.load(open("wf.json"))
local = {n["node"]: n for n in json.load(open("local.json"))["nodes"]}

# Tasks and dependencies: one per node, the pipeline's edges (from the spec's own inputs).
dag = next(t for t in wf["spec"]["templates"] if t["name"] == "pipeline")["dag"]["tasks"]
tasks = {t["arguments"]["parameters"][0]["value"]: t for t in dag}
assert set(tasks) == set(local), (sorted(tasks), sorted(local))
by_task = {t["name"]: node for node, t in tasks.items()}
argo_deps = {node: {by_task[d] for d in t.get("dependencies", [])} for node, t in tasks.items()}
assert argo_deps["ingest"] == set() and "train" in argo_deps["evaluate"], argo_deps
assert wf["spec"]["onExit"] == "lathe-finish"
assert wf["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "lathe-shared"

# The Airflow DAG compiles, and has the same tasks and edges plus the finishing task.
sys.path.insert(0, os.environ.get("AIRFLOW_STUB") or os.path.join(os.environ["LATHE_SRC"], "tests/scripts/airflow_stub"))
import importlib.util
s = importlib.util.spec_from_file_location("dag", "dag.py")
module = importlib.util.module_from_spec(s)
s.loader.exec_module(module)
d = module.dag
assert d.dag_id == "lathe_penguins" and d.schedule is None, d.dag_id
assert set(d.tasks) == set(local) | {"lathe_finish"}, sorted(d.tasks)
for node in local:
    assert d.tasks[node].upstream == argo_deps[node], (node, d.tasks[node].upstream, argo_deps[node])
assert d.tasks["lathe_finish"].upstream == set(local)
assert d.tasks["lathe_finish"].trigger_rule == "all_done"

def order(deps):
    done, out = set(), []
    while len(out) < len(deps):
        ready = sorted(n for n in deps if n not in done and deps[n] <= done)
        assert ready, "a cycle"
        out += ready
        done |= set(ready)
    return out

def check_run(run, store):
    show = json.loads(subprocess.run([lathe, "--json", "--store", store, "runs", "show", run],
                                     check=True, capture_output=True, text=True).stdout)
    assert show["properties"]["state"] == "COMPLETE", show["properties"]
    nodes = {n["node"]: n for n in show["nodes"]}
    assert set(nodes) == set(local), sorted(nodes)
    # The same files as the local run made (fingerprints of every output but the pushed model,
    # whose repository differs).
    for name, n in nodes.items():
        if name == "push":
            continue
        for out in n["outputs"]:
            mine = json.loads(subprocess.run(
                [lathe, "--json", "--store", store, "artifacts", "show", str(out["artifact_id"])],
                check=True, capture_output=True, text=True).stdout)["artifact"]
            theirs = local[name]["outputs"][out["name"]][0]["uri"]
            r = subprocess.run(["diff", "-r", mine["uri"], theirs], capture_output=True, text=True)
            assert r.returncode == 0, (name, out["name"], r.stdout[:300])
    return show

# Argo, executed: each task's container command with this lathe, in dependency order, the
# workflow's name as {{workflow.name}}; then the exit handler.
templates = {t["name"]: t for t in wf["spec"]["templates"]}
def argo_command(template, node=None):
    c = templates[template]["container"]
    args = [a.replace("{{workflow.name}}", "argo-penguins-x1").replace(
        "{{inputs.parameters.node}}", node or "") for a in c["args"]]
    return [lathe] + args
for node in order(argo_deps):
    subprocess.run(argo_command("lathe-node", node), check=True, capture_output=True)
subprocess.run(argo_command("lathe-finish"), check=True, capture_output=True)
store = "sqlite://" + os.path.join(os.getcwd(), "store.db")
show = check_run("argo-penguins-x1", store)
assert show["properties"]["runner"] == "argo", show["properties"]

# Airflow, executed: each task's bash_command with {{ run_id }} rendered, then lathe_finish.
run_id = "manual__2026-12-07T10:00:00+00:00"
def bash(task):
    cmd = d.tasks[task].bash_command.replace("{{ run_id }}", run_id).replace("'lathe'", lathe, 1)
    subprocess.run(["bash", "-c", cmd], check=True, capture_output=True)
for node in order({n: d.tasks[n].upstream for n in local}):
    bash(node)
bash("lathe_finish")
show = check_run(run_id, "sqlite://" + os.path.join(os.getcwd(), "airflow.db"))
assert show["properties"]["runner"] == "airflow", show["properties"]
print(f"export: Argo Workflow valid; Argo and Airflow runs of {len(local)} nodes COMPLETE, "
      "outputs as the local run's")
PY
echo "export: ok"
