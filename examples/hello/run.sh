#!/usr/bin/env bash
# The pipeline demo: runs examples/hello, runs it again (every step reused from the cache),
# changes one parameter (only the step that uses it runs), then shows the runs, one run's record,
# the lineage of the final report and a reproduction of the first run. Works in a fresh
# directory (LATHE_DEMO_DIR, default build/demo-hello).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe="$root/build/bin/lathe"
spec="$root/examples/hello/pipeline.yaml"
demo=${LATHE_DEMO_DIR:-$root/build/demo-hello}
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"

echo "== first run"
"$lathe" run "$spec"
echo
echo "== second run: nothing changed"
"$lathe" run "$spec"
echo
echo "== third run: --param greeting=bonjour"
"$lathe" run "$spec" --param greeting=bonjour
echo
echo "== runs"
"$lathe" runs list
first=$("$lathe" runs list --json | sed -n 's/.*"name": "\(hello-[^"]*\)".*/\1/p' | tail -1)
last=$("$lathe" runs list --json | sed -n 's/.*"name": "\(hello-[^"]*\)".*/\1/p' | head -1)
echo
echo "== the last run"
"$lathe" runs show "$last"
report=$("$lathe" artifacts list --filter "name = 'report.report'" --desc --limit 1 --json |
  sed -n 's/^      "id": \([0-9]*\),*$/\1/p' | head -1)
echo
echo "== where did the last report (artifact $report) come from? (cache hits hidden)"
"$lathe" lineage "$report" --execution-filter "state != 'CACHED'"
echo
echo "== reproduce the first run"
"$lathe" runs repro "$first"
echo
"$lathe" store check --fingerprints
