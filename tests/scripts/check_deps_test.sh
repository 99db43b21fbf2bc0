#!/usr/bin/env bash
# The dependency check must fail when a package the build needs is left out of the install list:
# a copy of scripts/setup.sh without libxgboost-dev must be refused, naming the package.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -q 'libxgboost-dev' "$root/scripts/setup.sh" || { echo "setup.sh lists no libxgboost-dev"; exit 1; }
sed 's/libxgboost-dev//' "$root/scripts/setup.sh" >"$work/setup.sh"
set +e
out=$("$root/scripts/check-deps.sh" --setup "$work/setup.sh" "$build" 2>&1)
rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc"; exit 1; }
grep -q 'libxgboost-dev' <<<"$out" || { echo "the message does not name libxgboost-dev"; exit 1; }
echo "ok: the check fails without libxgboost-dev"
