"""Writes a JSON report from the parameters file Lathe passes (LATHE_PARAMS_FILE)."""
import json
import os
from pathlib import Path

with open(os.environ["LATHE_PARAMS_FILE"]) as f:
    spec = json.load(f)
numbers = Path(spec["inputs"]["numbers"][0], "numbers.txt").read_text().split()
total = int(Path(spec["inputs"]["total"][0], "total.txt").read_text())
report = {
    "title": spec["parameters"]["title"],
    "greeting": spec["parameters"]["greeting"],
    "count": len(numbers),
    "sum_of_squares": total,
}
Path(spec["outputs"]["report"], "report.json").write_text(json.dumps(report, indent=2) + "\n")
print(json.dumps(report))
