#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds Lathe and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec examples/store-demo/run.sh
