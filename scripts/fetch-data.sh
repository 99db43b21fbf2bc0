#!/usr/bin/env bash
# fetch-data.sh flights: gets the 3,000,000-row flights data (npm package vega-datasets 3.2.1,
# Parquet), converts it to CSV once with hyparquet, caches it under
# ${XDG_CACHE_HOME:-$HOME/.cache}/lathe/ and prints the CSV's path. Idempotent; fast when cached.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/lathe
case "${1:-}" in
  flights) ;;
  *) echo "usage: scripts/fetch-data.sh flights" >&2; exit 2 ;;
esac
out="$cache/flights-3m.csv"
if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi
command -v node >/dev/null && command -v npm >/dev/null || "$root/scripts/install-packages.sh" nodejs npm
mkdir -p "$cache/npm"
if [ ! -f "$cache/npm/node_modules/vega-datasets/data/flights-3m.parquet" ]; then
  echo "fetch-data: installing vega-datasets@3.2.1, hyparquet, hyparquet-compressors from npm" >&2
  (cd "$cache/npm" && npm install --no-audit --no-fund --silent vega-datasets@3.2.1 hyparquet@1 hyparquet-compressors@1 >&2)
fi
cp "$root/scripts/flights_to_csv.mjs" "$cache/npm/"
echo "fetch-data: converting to CSV (once)" >&2
node "$cache/npm/flights_to_csv.mjs" "$cache/npm/node_modules/vega-datasets/data/flights-3m.parquet" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
