"""The Python peer of the train benchmark: the flights task with Debian's pandas and xgboost.
Predict delay > 15 minutes from hour, weekday, distance, origin and destination; train on
January-May 2001, evaluate on June; 100 rounds, depth 6, eta 0.3, hist. Prints one JSON object:
the AUC, the boosting time and the total time (from the start of the process). Run with
/usr/bin/python3."""
import json
import sys
import time

start = time.monotonic()
import pandas as pd  # noqa: E402 (imports count: they are part of the Python way)
import xgboost as xgb  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

csv, threads = sys.argv[1], int(sys.argv[2])
imported = time.monotonic()
df = pd.read_csv(csv)
when = pd.to_datetime(df["date"], format="%Y-%m-%d %H:%M")
features = pd.DataFrame({"hour": when.dt.hour, "weekday": when.dt.weekday,
                         "distance": df["distance"]})
train_rows = when < "2001-06-01"
# Airports as codes learnt on the training months, most frequent first (unseen ones: missing).
for col in ("origin", "destination"):
    order = df.loc[train_rows, col].value_counts().index
    features[col] = pd.Categorical(df[col], categories=order).codes.astype("float32")
    features.loc[features[col] < 0, col] = float("nan")
label = (df["delay"] > 15).astype("float32")
dtrain = xgb.DMatrix(features[train_rows], label=label[train_rows], nthread=threads)
dtest = xgb.DMatrix(features[~train_rows], nthread=threads)
params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "tree_method": "hist",
          "nthread": threads, "seed": 0, "verbosity": 0}
boost_start = time.monotonic()
booster = xgb.train(params, dtrain, num_boost_round=100)
boost_s = time.monotonic() - boost_start
auc = roc_auc_score(label[~train_rows], booster.predict(dtest))
print(json.dumps({"auc": auc, "seconds_boosting": boost_s, "seconds_import": imported - start,
                  "seconds_total": time.monotonic() - start,
                  "rows_train": int(train_rows.sum()), "rows_eval": int((~train_rows).sum())}))
