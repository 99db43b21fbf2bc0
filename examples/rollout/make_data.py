"""Writes the training data of the rollout example: past users and whether each was interested
in the premium offer (users.csv), and the same rows with the label inverted (users_mislabelled.csv,
what a broken labelling job would produce). Fixed seed: the same files every time."""
import argparse
import csv
import os
import random

import users

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="data")
parser.add_argument("--rows", type=int, default=6000)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
rng = random.Random(7)
rows = []
for _ in range(args.rows):
    u = users.user(rng)
    u["interested"] = int(rng.random() < users.interest_probability(u))
    rows.append(u)
fields = ["age", "device", "visits", "minutes", "interested"]
for name, flip in (("users.csv", False), ("users_mislabelled.csv", True)):
    with open(os.path.join(args.out, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow(dict(r, interested=1 - r["interested"] if flip else r["interested"]))
print(f"wrote {args.rows} users to {args.out}/users.csv and {args.out}/users_mislabelled.csv")
