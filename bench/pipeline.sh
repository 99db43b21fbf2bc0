#!/usr/bin/env bash
# The pipeline benchmark (run it through bench/run.sh pipeline). In one run:
#   - the same 50-node DAG of no-op steps (10 layers of 5, each step reading two of the layer
#     before) under `lathe run`, snakemake and `make -j2`: first-run and fully-cached re-run wall
#     time, medians of REPS repetitions, as ratios Lathe / peer;
#   - the fully-cached re-run of a 10-node pipeline when the store already holds 10,000 earlier
#     runs of it (populated once in-process and cached in bench/.cache/).
# The last line is one JSON object of figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lathe="$root/build-bench/bin/lathe"
populate="$root/build-bench/bin/lathe_bench_populate"
reps=${REPS:-5}
history_runs=${HISTORY_RUNS:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Wall time of a command in microseconds (its output discarded; a failure stops the benchmark).
elapsed_us() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; echo "failed: $*" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# --- the 50-node DAG in three forms; every step runs the same one program, `touch` ---
dag="$work/dag"
mkdir -p "$dag"
{
  echo "apiVersion: lathe/v1"; echo "kind: Pipeline"; echo "name: dag50"; echo "nodes:"
  for l in $(seq 0 9); do for i in $(seq 0 4); do
    echo "  - name: n${l}_${i}"; echo "    component: command"; echo "    command: [touch, \"\${outputs.out}/done\"]"
    echo "    outputs: [out]"
    if [ "$l" -gt 0 ]; then
      p=$((l - 1)); j=$(((i + 1) % 5))
      echo "    inputs: {a: n${p}_${i}.out, b: n${p}_${j}.out}"
    fi
  done; done
} > "$dag/dag.yaml"
{
  targets=""
  for l in $(seq 0 9); do for i in $(seq 0 4); do targets="$targets out/n${l}_${i}"; done; done
  echo "all:$targets"
  for l in $(seq 0 9); do for i in $(seq 0 4); do
    deps=""
    if [ "$l" -gt 0 ]; then p=$((l - 1)); j=$(((i + 1) % 5)); deps="out/n${p}_${i} out/n${p}_${j}"; fi
    printf 'out/n%s_%s: %s\n\t@touch $@\n' "$l" "$i" "$deps"
  done; done
} > "$dag/Makefile"
{
  printf 'rule all:\n    input: ['
  for l in $(seq 0 9); do for i in $(seq 0 4); do printf '"out/n%s_%s", ' "$l" "$i"; done; done
  printf ']\n'
  for l in $(seq 0 9); do for i in $(seq 0 4); do
    printf 'rule n%s_%s:\n' "$l" "$i"
    if [ "$l" -gt 0 ]; then p=$((l - 1)); j=$(((i + 1) % 5)); printf '    input: "out/n%s_%s", "out/n%s_%s"\n' "$p" "$i" "$p" "$j"; fi
    printf '    output: "out/n%s_%s"\n    shell: "touch {output}"\n' "$l" "$i"
  done; done
} > "$dag/Snakefile"

first_lathe=(); cached_lathe=(); first_snake=(); cached_snake=(); first_make=(); cached_make=()
for r in $(seq 1 "$reps"); do
  d="$work/run"
  rm -rf "$d"; mkdir -p "$d"; cp "$dag"/* "$d"/; cd "$d"
  first_lathe+=("$(elapsed_us "$lathe" run dag.yaml --parallelism 2)")
  cached_lathe+=("$(elapsed_us "$lathe" run dag.yaml --parallelism 2)")
  mkdir -p out
  first_make+=("$(elapsed_us make -s -j2)")
  cached_make+=("$(elapsed_us make -s -j2)")
  rm -rf out; mkdir -p out
  first_snake+=("$(elapsed_us snakemake --cores 2 --quiet)")
  cached_snake+=("$(elapsed_us snakemake --cores 2 --quiet)")
  cd "$root"
done
m() { printf '%s\n' "$@" | median; }
fl=$(m "${first_lathe[@]}"); cl=$(m "${cached_lathe[@]}")
fs=$(m "${first_snake[@]}"); cs=$(m "${cached_snake[@]}")
fm=$(m "${first_make[@]}"); cm=$(m "${cached_make[@]}")

# --- a cached re-run of a 10-node chain, with 10,000 earlier runs in the store ---
chain_spec() {
  echo "apiVersion: lathe/v1"; echo "kind: Pipeline"; echo "name: chain10"; echo "nodes:"
  for k in $(seq 0 9); do
    echo "  - name: s$k"; echo "    component: command"
    echo "    command: [sh, -c, \"echo $k > \${outputs.out}/v\"]"; echo "    outputs: [out]"
    [ "$k" -gt 0 ] && echo "    inputs: {x: s$((k - 1)).out}"
  done
}
key=$(git -C "$root" rev-parse HEAD:src 2>/dev/null || echo nogit)-$history_runs
hist="$root/bench/.cache/pipeline-history-$key"
if [ ! -f "$hist/done" ]; then
  rm -rf "$root"/bench/.cache/pipeline-history-*
  mkdir -p "$hist"
  chain_spec > "$hist/chain.yaml"
  echo "populating a store with $history_runs runs of a 10-node pipeline (cached in $hist)" >&2
  t0=$(date +%s)
  (cd "$hist" && "$populate" "sqlite://$hist/metadata.db" "$hist/artifacts" chain.yaml "$history_runs")
  echo "  populated in $(($(date +%s) - t0)) s" >&2
  touch "$hist/done"
fi
history=()
for r in $(seq 1 "$reps"); do
  history+=("$(cd "$hist" && elapsed_us "$lathe" --store "sqlite://$hist/metadata.db" --artifacts "$hist/artifacts" run chain.yaml)")
done
hm=$(m "${history[@]}")

ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
overhead=$(awk -v l="$fl" -v m="$fm" 'BEGIN {printf "%.2f", (l - m) / 1000 / 50}')

echo "50-node DAG of no-op steps, parallelism 2, median of $reps"
printf '  %-10s %12s %16s\n' "" "first run" "cached re-run"
printf '  %-10s %9s ms %13s ms\n' lathe "$(ms "$fl")" "$(ms "$cl")"
printf '  %-10s %9s ms %13s ms\n' snakemake "$(ms "$fs")" "$(ms "$cs")"
printf '  %-10s %9s ms %13s ms\n' "make -j2" "$(ms "$fm")" "$(ms "$cm")"
echo "  lathe overhead per node above make: $overhead ms"
echo "10-node pipeline, fully cached, store holding $history_runs earlier runs: $(ms "$hm") ms (median of $reps)"
printf '{"cached_rerun_ms_10_nodes_10k_runs": %s, "overhead_ms_per_node": %s, "first_run_vs_snakemake": %s, "cached_rerun_vs_snakemake": %s, "first_run_vs_make": %s, "cached_rerun_vs_make": %s, "lathe_first_ms": %s, "lathe_cached_ms": %s, "snakemake_first_ms": %s, "snakemake_cached_ms": %s, "make_first_ms": %s, "make_cached_ms": %s, "history_runs": %s}\n' \
  "$(ms "$hm")" "$overhead" "$(ratio "$fl" "$fs")" "$(ratio "$cl" "$cs")" "$(ratio "$fl" "$fm")" "$(ratio "$cl" "$cm")" \
  "$(ms "$fl")" "$(ms "$cl")" "$(ms "$fs")" "$(ms "$cs")" "$(ms "$fm")" "$(ms "$cm")" "$history_runs"
