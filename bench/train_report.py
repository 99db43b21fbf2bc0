"""The report of bench/train.sh: reads one JSON object per repetition on standard input, prints
a table and, as the last line, one JSON object of figures (medians)."""
import json
import statistics
import sys

runs = [json.loads(line) for line in sys.stdin if line.strip()]
threads = sys.argv[1]


def med(f):
    return statistics.median(f(r) for r in runs)


lathe, lathe_boost = med(lambda r: r["lathe_s"]), med(lambda r: r["lathe_boost_s"])
python, python_boost = med(lambda r: r["python_s"]), med(lambda r: r["python_boost_s"])
lathe_out = med(lambda r: r["lathe_s"] - r["lathe_boost_s"])
python_out = med(lambda r: r["python_s"] - r["python_boost_s"])
slice_overhead = med(lambda r: r["nodes"]["evaluate"] / r["nodes"]["evaluate_overall"] - 1)
auc_l, auc_p = runs[-1]["auc_lathe"], runs[-1]["auc_python"]


def node(name):
    return med(lambda r: r["nodes"][name])


print("flights: train January-May (2,497,772 rows), evaluate June (502,228 rows); 100 rounds, "
      f"depth 6, eta 0.3, hist; {threads} threads; median of {len(runs)}")
print(f"  {'':20} {'total s':>8} {'boosting':>9} {'outside':>8} {'AUC':>8}")
print(f"  {'Lathe pipeline':20} {lathe:8.2f} {lathe_boost:9.2f} {lathe_out:8.2f} {auc_l:8.4f}")
print(f"  {'pandas + xgboost':20} {python:8.2f} {python_boost:9.2f} {python_out:8.2f} {auc_p:8.4f}")
print(f"  Lathe nodes: ingest {node('ingest'):.2f} s, transform {node('transform'):.2f} s, "
      f"train {node('train'):.2f} s, evaluate {node('evaluate'):.2f} s (overall only "
      f"{node('evaluate_overall'):.2f} s); Python imports {med(lambda r: r['python_import_s']):.2f} s")
print(json.dumps({"auc_lathe": round(auc_l, 5), "auc_python": round(auc_p, 5),
                  "time_vs_python": round(lathe / python, 3),
                  "overhead_vs_python": round(lathe_out / python_out, 3),
                  "slice_overhead": round(slice_overhead, 3),
                  "lathe_s": round(lathe, 2), "python_s": round(python, 2),
                  "lathe_boosting_s": round(lathe_boost, 2),
                  "python_boosting_s": round(python_boost, 2)}))
