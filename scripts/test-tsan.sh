#!/usr/bin/env bash
# Builds Lathe with ThreadSanitizer (build-tsan/) and runs the data, metadata, pipeline and
# orchestration tests under it. Not part of scripts/test.sh (a TSan build and run takes about
# as long again as the whole test command); run it after changing anything threaded.
set -euo pipefail
cd "$(dirname "$0")/.."
LATHE_BUILD_DIR=build-tsan LATHE_BUILD_TYPE=RelWithDebInfo scripts/setup.sh \
  -DLATHE_SANITIZE=thread -DLATHE_BUILD_BENCH=OFF
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1"
export OMP_WAIT_POLICY=PASSIVE
for t in data_test metadata_test pipeline_test; do
  echo "== $t under ThreadSanitizer"
  build-tsan/bin/$t --gtest_brief=1
done
