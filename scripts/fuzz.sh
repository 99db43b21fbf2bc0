#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time
# (LATHE_FUZZ_SECONDS, default 60) from the corpus in tests/fuzz/. Fails on any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh clang libclang-rt-14-dev libfmt-dev libsimdjson-dev
out=build-fuzz
mkdir -p "$out" "$out/version/lathe/core"
sed 's/@PROJECT_VERSION@/fuzz/' src/lathe/core/version.h.in > "$out/version/lathe/core/version.h"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Isrc -I"$out/version" \
  tests/fuzz/csv_fuzz.cc src/lathe/data/csv.cc src/lathe/data/detail/ordered_chunks.cc \
  src/lathe/data/detail/separators.cc src/lathe/data/column.cc src/lathe/core/status.cc \
  src/lathe/core/strings.cc -lfmt -lsimdjson -o "$out/csv_fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/csv_corpus/* "$work/"
"$out/csv_fuzz" -max_total_time="${LATHE_FUZZ_SECONDS:-60}" -seed=1 -max_len=4096 -timeout=10 \
  -print_final_stats=1 "$work" 2>&1 | tail -n 15
