#!/usr/bin/env bash
# The web UI in a browser: fills a store with the penguins pipeline (a run, a cached rerun, a run
# with other parameters), starts `lathe ui` on it, and runs ui/tests/browser.test.mjs (node's test
# runner, playwright-core driving Debian's chromium). Screenshots go to BUILD_DIR/ui-screenshots.
#   ui_browser_test.sh LATHE BUILD_DIR
set -euo pipefail
lathe=$1
build=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
"$lathe" run "$root/examples/penguins/pipeline.yaml" >/dev/null
"$lathe" run "$root/examples/penguins/pipeline.yaml" >/dev/null
"$lathe" run "$root/examples/penguins/pipeline.yaml" --param rounds=20 >/dev/null
"$lathe" ui --port 0 --assets "$build/ui" >ui.out 2>ui.err &
server=$!
for _ in $(seq 100); do grep -q '^listening on' ui.out 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' ui.out)
[ -n "$port" ] || { cat ui.err; exit 1; }
cd "$root/ui"
LATHE_UI_URL="http://127.0.0.1:$port" LATHE_BIN="$lathe" LATHE_STORE_DIR="$work" \
  LATHE_SCREENSHOTS="$build/ui-screenshots" node --test --test-reporter=spec tests/browser.test.mjs
