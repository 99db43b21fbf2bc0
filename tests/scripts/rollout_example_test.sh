#!/usr/bin/env bash
# examples/rollout/run.sh end to end with the lathe under test: its output must show v2's uplift
# over v1 as significant and v3 rolled back automatically for its worse conversion.
set -euo pipefail
lathe=$1
work=$2
out=$(LATHE_BIN="$lathe" LATHE_DEMO_DIR="$work" "$(dirname "$0")/../../examples/rollout/run.sh" 2>&1) || {
  echo "$out"
  exit 1
}
echo "$out"
fail() { echo "FAILED: $1"; exit 1; }
uplift=$(echo "$out" | grep -m1 "uplift      canary v2: converted") || fail "no uplift line for v2"
# A positive lift whose always-valid p-value is below 0.05.
echo "$uplift" | grep -qE "stable v1, \+[0-9.]+% \(95% CI \+" || fail "v2's lift is not positive: $uplift"
echo "$uplift" | grep -qE "always-valid p (< 0.001|0\.0[0-4][0-9]*) " || fail "v2's uplift is not significant: $uplift"
echo "$out" | grep -q "auto-rollback: converted significantly worse than stable" ||
  fail "v3 was not rolled back for its conversion"
echo "$out" | grep -qE "canary v3: converted [0-9.]+% vs [0-9.]+% stable v2, -" || fail "no figures for v3 on the model"
echo "rollout example: ok"
