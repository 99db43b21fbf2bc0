#!/usr/bin/env bash
# The training benchmark (run it through bench/run.sh train): the flights task as a Lathe pipeline
# (bench/train_pipeline.yaml: ingest -> transform -> train -> evaluate with 20 origin slices)
# against the same task in Python with Debian's pandas + xgboost (bench/train_python.py), in one
# run, with the same boosting library, parameters and thread count (THREADS, default 2). Reports
# medians of REPS runs. Lathe's time is the whole `lathe run` process on a fresh store with the
# cache off; Python's is the whole process, imports included. "Boosting" is the time inside the
# boosting iterations on both sides; "outside" is the rest. The slice overhead compares the
# evaluate node (overall + the 20 largest origins) with evaluate_overall (overall only), run
# apart on the same model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lathe="$root/build-bench/bin/lathe"
reps=${REPS:-3}
threads=${THREADS:-2}
csv=$("$root/scripts/fetch-data.sh" flights)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$csv" >/dev/null  # the file in the page cache for everyone
cp "$root/bench/train_pipeline.yaml" "$work/pipeline.yaml"
ln -s "$csv" "$work/flights.csv"
py=/usr/bin/python3

results=()
for r in $(seq 1 "$reps"); do
  rm -rf "$work/.lathe"
  start=$(date +%s.%N)
  (cd "$work" && "$lathe" --json run pipeline.yaml --to evaluate --no-cache --param threads="$threads" > run.json)
  end=$(date +%s.%N)
  (cd "$work" && "$lathe" --json run pipeline.yaml --only evaluate_overall --no-cache --param threads="$threads" > overall.json)
  (cd "$work" && "$lathe" --json artifacts list --type Model > model.json && "$lathe" --json artifacts list --type ModelEvaluation > eval.json)
  python_json=$("$py" "$root/bench/train_python.py" "$csv" "$threads")
  results+=("$("$py" - "$work" "$start" "$end" "$python_json" <<'PY'
import json, sys
work, start, end, python = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
run = json.load(open(f"{work}/run.json"))
overall = json.load(open(f"{work}/overall.json"))
seconds = {n["node"]: n["seconds"] for n in run["nodes"]}
seconds["evaluate_overall"] = next(n["seconds"] for n in overall["nodes"] if n["node"] == "evaluate_overall")
model = json.load(open(f"{work}/model.json"))["items"][-1]["custom_properties"]
evals = json.load(open(f"{work}/eval.json"))["items"]
sliced = next(e for e in evals if e["name"] == "evaluate.evaluation")["custom_properties"]
print(json.dumps({"lathe_s": end - start, "lathe_boost_s": model["seconds_boosting"],
                  "auc_lathe": sliced["overall_auc"], "nodes": seconds,
                  "python_s": python["seconds_total"], "python_boost_s": python["seconds_boosting"],
                  "python_import_s": python["seconds_import"], "auc_python": python["auc"]}))
PY
)")
done
printf '%s\n' "${results[@]}" | "$py" "$root/bench/train_report.py" "$threads"
