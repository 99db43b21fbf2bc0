#!/bin/sh
# total.sh SQUARES_DIR OUT_DIR: the sum of the numbers.
set -eu
awk '{ s += $1 } END { printf "%.0f\n", s }' "$1/numbers.txt" > "$2/total.txt"
