#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, builds Lathe and runs every test, then runs
# them again in an AddressSanitizer + UndefinedBehaviorSanitizer build (skip: LATHE_SKIP_SANITIZE=1;
# the 3-million-row flights statistics test runs in the plain build only), and fuzzes the CSV,
# JSON Lines and columnar readers, the filter parser and the spec loader for LATHE_FUZZ_SECONDS
# each (default 20, two at a time; 0 skips). The last line sums up.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

scripts/setup.sh
# promtool checks the server's /metrics; wrk loads it while versions swap; openssl and curl
# make a certificate and call it over HTTPS; python3-grpcio is the KServe v2 gRPC client;
# python3-scipy gives the known answers of the A/B statistics; chromium runs the UI's browser tests;
# postgresql's server runs the store tests on PostgreSQL (scripts/postgres-server.sh); slurm-wlm and
# munge a single-node cluster for the Slurm runner's test (scripts/slurm-cluster.sh); python3-yaml reads
# the exported Argo Workflow
scripts/install-packages.sh prometheus wrk openssl curl python3-grpcio python3-protobuf python3-scipy \
  chromium postgresql slurm-wlm munge python3-yaml
ctest --test-dir build -j2 --output-on-failure --timeout 600 | tee -a "$log"

if [ "${LATHE_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== sanitizer build (ASan + UBSan)"
  LATHE_BUILD_DIR=build-asan LATHE_BUILD_TYPE=Debug scripts/setup.sh -DLATHE_SANITIZE=ON -DLATHE_BUILD_BENCH=OFF
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -j2 --output-on-failure --timeout 600 \
    -E 'FlightsStatisticsAsBefore' | tee -a "$log"
fi

if [ "${LATHE_FUZZ_SECONDS:-20}" != 0 ]; then
  echo "== fuzzing"
  scripts/fuzz.sh
fi

# "N tests passed, 0 tests failed out of M" per build, summed into one closing line.
awk '/tests passed, [0-9]+ tests failed out of/ {
       total += $NF; failed += $(NF - 4)
     } END { printf "tests: %d passed, %d failed\n", total - failed, failed }' "$log"
