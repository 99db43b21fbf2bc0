#!/bin/sh
# generate.sh COUNT OUT_DIR: writes the numbers 1..COUNT, one per line.
set -eu
seq 1 "$1" > "$2/numbers.txt"
