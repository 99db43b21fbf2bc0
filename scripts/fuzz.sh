#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan; tests/fuzz/CMakeLists.txt) and runs each
# for a bounded time from its corpus in tests/fuzz/. Fails on any crash, leak or timeout.
#   LATHE_FUZZ_SECONDS  seconds per target (default 20; two targets run at a time)
#   LATHE_FUZZ_TARGETS  which targets (default: csv jsonl columnar filter spec rest grpc)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh clang libclang-rt-14-dev cmake ninja-build pkg-config libfmt-dev \
  nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libxxhash-dev libzstd-dev libxgboost-dev \
  libeigen3-dev libabsl-dev libspdlog-dev libprotobuf-dev protobuf-compiler
out=build-fuzz
cmake -S tests/fuzz -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$out" -j2

seconds=${LATHE_FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One target: its seeds, then libFuzzer for $seconds; the log ends in "ok" or "FAILED".
fuzz() {
  local target=$1 corpus="$work/$1"
  mkdir -p "$corpus"
  case "$target" in
    columnar) "$out/columnar_seed" "$corpus" ;;
    grpc) "$out/grpc_seed" "$corpus" ;;
    spec) for f in examples/*/pipeline.yaml; do cp "$f" "$corpus/$(basename "$(dirname "$f")")"; done ;;
    *) cp tests/fuzz/"$target"_corpus/* "$corpus/" ;;
  esac
  # -rss_limit_mb: an input that makes a reader allocate without bound fails the run.
  if "$out/${target}_fuzz" -max_total_time="$seconds" -seed=1 -max_len=4096 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 "$corpus" > "$work/$target.log" 2>&1; then
    echo ok >> "$work/$target.log"
  else
    echo FAILED >> "$work/$target.log"
  fi
}

# Two targets at a time: one per core.
targets=(${LATHE_FUZZ_TARGETS:-csv jsonl columnar filter spec rest grpc})
echo "== fuzzing ${targets[*]} for $seconds s each"
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  fuzz "$target" &
done
wait
failed=0
for target in "${targets[@]}"; do
  if [ "$(tail -n 1 "$work/$target.log")" = ok ]; then
    echo "$target: $(grep -E '^#[0-9]+.*DONE' "$work/$target.log" | tail -n 1)"
  else
    tail -n 60 "$work/$target.log"
    echo "fuzzing $target found a failure" >&2
    failed=1
  fi
done
exit "$failed"
