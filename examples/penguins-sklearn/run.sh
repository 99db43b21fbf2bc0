#!/usr/bin/env bash
# The custom-trainer demo: a scikit-learn step writes the model bundle, Lathe evaluates and pushes
# it. Works in LATHE_DEMO_DIR (default build/demo-penguins-sklearn).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe="$root/build/bin/lathe"
demo=${LATHE_DEMO_DIR:-$root/build/demo-penguins-sklearn}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
"$lathe" run "$root/examples/penguins-sklearn/pipeline.yaml"
echo
"$lathe" models show penguins-sklearn
echo
evaluation=$("$lathe" --json models list penguins-sklearn | grep -o '"evaluation_id": [0-9]*' | head -1 | grep -o '[0-9]*$')
"$lathe" eval show "$evaluation"
