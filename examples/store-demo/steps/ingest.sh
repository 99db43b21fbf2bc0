#!/usr/bin/env bash
# ingest.sh CSV OUT_DIR: splits the rows deterministically into train (4 in 5) and eval (1 in 5),
# dropping rows with missing measurements.
set -euo pipefail
mkdir -p "$2"
awk -F, -v out="$2" '
  NR == 1 { print > (out "/train.csv"); print > (out "/eval.csv"); next }
  $3 == "NA" || $4 == "NA" || $5 == "NA" || $6 == "NA" { next }
  { print > (out "/" ((NR % 5 == 0) ? "eval" : "train") ".csv") }' "$1"
