#!/usr/bin/env bash
# statistics.sh EXAMPLES_DIR OUT_JSON: row count and per-column mean of the numeric columns per split.
set -euo pipefail
{
  echo "{"
  first=1
  for split in train eval; do
    [ $first = 1 ] || echo ","
    first=0
    awk -F, -v part="$split" '
      NR == 1 { for (i = 3; i <= 6; i++) name[i] = $i; next }
      { n++; for (i = 3; i <= 6; i++) sum[i] += $i }
      END {
        printf "  \"%s\": {\"rows\": %d", part, n
        for (i = 3; i <= 6; i++) printf ", \"mean_%s\": %.4f", name[i], sum[i] / n
        printf "}"
      }' "$1/$split.csv"
  done
  echo
  echo "}"
} > "$2"
