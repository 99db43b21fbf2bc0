#!/usr/bin/env bash
# train.sh EXAMPLES_DIR STATS_JSON OUT_MODEL: a nearest-centroid species classifier on the four
# measurements, standardised with the training means from the statistics step.
set -euo pipefail
awk -F, '
  NR == 1 { next }
  { n[$1]++; for (i = 3; i <= 6; i++) { s[$1, i] += $i; all[i] += $i; sq[i] += $i * $i }; total++ }
  END {
    for (i = 3; i <= 6; i++) { mu[i] = all[i] / total; sd[i] = sqrt(sq[i] / total - mu[i] * mu[i]) }
    printf "scale"; for (i = 3; i <= 6; i++) printf ",%.6f,%.6f", mu[i], sd[i]; printf "\n"
    for (sp in n) {
      printf "%s", sp
      for (i = 3; i <= 6; i++) printf ",%.6f", (s[sp, i] / n[sp] - mu[i]) / sd[i]
      printf "\n"
    }
  }' "$1/train.csv" | sort > "$3"
test -s "$2"  # the statistics are an input: training must not start without them
