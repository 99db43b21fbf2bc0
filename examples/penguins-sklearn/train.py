"""A custom trainer: scikit-learn's logistic regression as a Lathe pipeline step.

Lathe runs this as a command component. It reads the features that the pipeline's Transform
makes (through `lathe transform apply`, so training sees exactly what evaluation and serving
will), fits the model, and writes a model bundle (docs/bundles.md) that Lathe's Evaluator,
InfraValidator and Pusher use like any other.
"""
import csv
import json
import math
import os
import shutil
import subprocess
import tempfile

from sklearn.linear_model import LogisticRegression

params = json.load(open(os.environ["LATHE_PARAMS_FILE"]))["parameters"]
graph_dir = os.environ["LATHE_INPUT_TRANSFORM_GRAPH"]
examples_dir = os.environ["LATHE_INPUT_EXAMPLES"]
out = os.environ["LATHE_OUTPUT_MODEL"]

with tempfile.TemporaryDirectory() as tmp:
    features_csv = os.path.join(tmp, "train.csv")
    subprocess.run([os.environ["LATHE_BIN"], "transform", "apply", "--graph", graph_dir,
                    "--examples", os.path.join(examples_dir, "train.lcol"), "--out", features_csv],
                   check=True)
    with open(features_csv) as f:
        reader = csv.reader(f)
        names = next(reader)[:-1]
        x, y = [], []
        for row in reader:
            if row[-1] == "":  # no label
                continue
            x.append([float(v) if v != "" else 0.0 for v in row[:-1]])  # missing counts as 0
            y.append(int(float(row[-1])))

transform = json.load(open(os.path.join(graph_dir, "transform.json")))
if transform["task"] != "binary":
    raise SystemExit(f"this trainer fits binary labels; the transform's task is {transform['task']}")
model = LogisticRegression(C=float(params.get("C", 1.0)), max_iter=1000).fit(x, y)
accuracy = model.score(x, y)
print(f"fitted on {len(y)} rows, training accuracy {accuracy:.4f}")

# The bundle: the transform unchanged, the weights, and the manifest.
shutil.copy(os.path.join(graph_dir, "transform.json"), os.path.join(out, "transform.json"))
json.dump({"task": "binary", "features": names, "weights": [float(w) for w in model.coef_[0]],
           "intercept": float(model.intercept_[0])},
          open(os.path.join(out, "linear.json"), "w"), indent=2)
json.dump({
    "format": 1,
    "task": "binary",
    "label": transform["spec"]["label"]["column"],
    "model": {"kind": "linear", "file": "linear.json"},
    "transform": "transform.json",
    "features": names,
    "signature": {"inputs": transform["inputs"],
                  "outputs": [{"name": "probability", "type": "double"},
                              {"name": "class", "type": "int64"}]},
    "training": {"algorithm": "sklearn.linear_model.LogisticRegression", "C": params.get("C", 1.0),
                 "rows_train": len(y)},
}, open(os.path.join(out, "manifest.json"), "w"), indent=2)
