#!/usr/bin/env bash
# evaluate.sh MODEL EXAMPLES_DIR OUT_JSON: accuracy of the model on the eval split.
set -euo pipefail
awk -F, '
  FNR == NR {
    if ($1 == "scale") { for (i = 3; i <= 6; i++) { mu[i] = $(2 * i - 4); sd[i] = $(2 * i - 3) } }
    else { k++; sp[k] = $1; for (i = 3; i <= 6; i++) c[k, i] = $(i - 1) }
    next
  }
  FNR == 1 { next }
  {
    best = ""; bestd = 1e30
    for (j = 1; j <= k; j++) {
      d = 0; for (i = 3; i <= 6; i++) { z = ($i - mu[i]) / sd[i] - c[j, i]; d += z * z }
      if (d < bestd) { bestd = d; best = sp[j] }
    }
    n++; if (best == $1) ok++
  }
  END { printf "{\"examples\": %d, \"accuracy\": %.4f}\n", n, ok / n }' "$1" "$2/eval.csv" > "$3"
