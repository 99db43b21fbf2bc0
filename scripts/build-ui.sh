#!/usr/bin/env bash
# Builds the web UI (ui/: TypeScript, Vite) into BUILD_DIR/ui, where `lathe ui` finds it next to
# the lathe binary. Installs Node.js and npm from Debian when missing, and the app's npm packages
# exactly as ui/package-lock.json pins them (npm ci). Skips the build when nothing in ui/ changed.
#   scripts/build-ui.sh [BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath -m "${1:-build}")
command -v node >/dev/null && command -v npm >/dev/null || scripts/install-packages.sh nodejs npm

# What the build depends on: the app's files and the pinned packages.
stamp=$( (find ui -path ui/node_modules -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum
          node --version) | sha256sum | cut -d' ' -f1)
if [ -f "$build_dir/ui/index.html" ] && [ "$(cat "$build_dir/ui.stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
cd ui
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lathe-lock 2>/dev/null)" != "$lock" ]; then
  echo "build-ui: installing the UI's npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock" >node_modules/.lathe-lock
fi
echo "build-ui: type-checking and building the UI into $build_dir/ui" >&2
node_modules/.bin/tsc --noEmit
LATHE_UI_OUT="$build_dir/ui" node_modules/.bin/vite build --logLevel warn
echo "$stamp" >"$build_dir/ui.stamp"
