#!/usr/bin/env bash
# The scale-out benchmark (run it through bench/run.sh scale; as root: it starts a throwaway
# PostgreSQL server and a single-node Slurm cluster, scripts/postgres-server.sh and
# scripts/slurm-cluster.sh). Three comparisons, each in the same run:
#   - Slurm vs local runner: a chain of NODES command nodes (each writes one file), --no-cache,
#     both on the PostgreSQL store; the per-node overhead of a Slurm job is
#     (wall time on Slurm - wall time locally) / NODES.
#   - sharded statistics: StatisticsGen over ROWS rows (8 input files' Examples, row groups of
#     65,536 rows) with 2 shard tasks vs 1 (the node's own process), the node's own time, run alone
#     (--only statistics); target >= 1.6 on 2 cores. Also ExampleGen over the 8 files, 2 shards vs 1.
#   - the store: PutExecution rate and lineage p50 on PostgreSQL vs SQLite (lathe_bench_store
#     on a store of ARTIFACTS artifacts).
# REPS repetitions (default 3), medians. The last line is one JSON object of figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lathe="$root/build-bench/bin/lathe"
reps=${REPS:-3}
nodes=${NODES:-8}
rows=${ROWS:-8000000}
artifacts=${ARTIFACTS:-100000}
work=$(mktemp -d /var/tmp/lathe-bench-scale.XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as user postgres
cleanup() {
  "$root/scripts/slurm-cluster.sh" stop "$work/slurm" >/dev/null 2>&1 || true
  "$root/scripts/postgres-server.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh scale: run as root (slurmd, PostgreSQL)" >&2; exit 2; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { echo $(($(date +%s%N) / 1000000)); }

pg=$("$root/scripts/postgres-server.sh" start "$work/pg")
slurm_env=$("$root/scripts/slurm-cluster.sh" start "$work/slurm") || { echo "bench: the Slurm cluster did not start" >&2; exit 1; }
export "$slurm_env"  # SLURM_CONF=...
cd "$work"

# --- Slurm vs local: per-node overhead ----------------------------------------------------------
{
  printf 'apiVersion: lathe/v1\nkind: Pipeline\nname: chain\nnodes:\n'
  for i in $(seq 1 "$nodes"); do
    printf '  - name: n%d\n    component: command\n' "$i"
    if [ "$i" = 1 ]; then
      printf '    command: [sh, -c, "echo 1 > ${outputs.out}/x"]\n'
    else
      printf '    command: [sh, -c, "cp ${inputs.x}/x ${outputs.out}/x"]\n'
      printf '    inputs: {x: n%d.out}\n' $((i - 1))
    fi
    printf '    outputs: {out: Numbers}\n'
  done
} >chain.yaml
store="${pg}bench_scale"
"$lathe" --store "$store" store init >/dev/null
local_ms=() slurm_ms=()
for r in $(seq 1 "$reps"); do
  t0=$(ms)
  "$lathe" --store "$store" --artifacts "$work/shared" run chain.yaml --no-cache >/dev/null
  t1=$(ms)
  "$lathe" --store "$store" --artifacts "$work/shared" run chain.yaml --no-cache --runner slurm \
    >/dev/null
  t2=$(ms)
  local_ms+=($((t1 - t0)))
  slurm_ms+=($((t2 - t1)))
done
local_med=$(printf '%s\n' "${local_ms[@]}" | median)
slurm_med=$(printf '%s\n' "${slurm_ms[@]}" | median)
overhead=$(awk -v s="$slurm_med" -v l="$local_med" -v n="$nodes" 'BEGIN { printf "%.0f", (s - l) / n }')
echo "chain of $nodes command nodes, PostgreSQL store, cache off (median of $reps)"
echo "  local runner   $local_med ms"
echo "  Slurm runner   $slurm_med ms   ($overhead ms per node more)"

# --- sharded statistics ---------------------------------------------------------------------------
mkdir -p data
awk -v rows="$rows" 'BEGIN {
  srand(11); per = int(rows / 8);
  split("oslo rome lima kyiv baku", cities, " ");
  for (f = 0; f < 8; f++) {
    file = sprintf("data/part-%d.csv", f);
    print "a,b,c,d,e,count,city,label" > file;
    for (i = 0; i < per; i++)
      printf "%.5f,%.5f,%.5f,%.5f,%.5f,%d,%s,%d\n", rand(), rand() * 100, rand() - 0.5, rand() * rand(),
        rand() * 1000, int(rand() * 50000), cities[int(rand() * 5) + 1], (rand() < 0.3) >> file;
    close(file);
  } }'
for shards in 1 2; do
  cat >"sharded$shards.yaml" <<YAML
apiVersion: lathe/v1
kind: Pipeline
name: sharded
nodes:
  - name: examples
    component: ExampleGen
    parameters: {input: "data/part-*.csv"}
    shards: $shards
  - name: statistics
    component: StatisticsGen
    inputs: {examples: examples.examples}
    shards: $shards
YAML
done
node_ms() {  # the node's own time in a run's JSON report
  python3 -c 'import json, sys; r = json.load(sys.stdin); print(round([n for n in r["nodes"] if n["node"] == sys.argv[1]][0]["seconds"] * 1000))' "$1"
}
declare -A stats_ms examples_ms
# ExampleGen in whole runs; StatisticsGen alone (--only) on the Examples of the last run, so that
# the writing of the Examples does not overlap its measurement.
for r in $(seq 1 "$reps"); do
  for shards in 1 2; do
    out=$("$lathe" --json --store "sqlite://$work/sharded.db" --artifacts "$work/sharded" \
      run "sharded$shards.yaml" --no-cache --threads-per-node 2)
    examples_ms[$shards]+="$(echo "$out" | node_ms examples) "
  done
done
for r in $(seq 1 "$reps"); do
  for shards in 1 2; do
    out=$("$lathe" --json --store "sqlite://$work/sharded.db" --artifacts "$work/sharded" \
      run "sharded$shards.yaml" --only statistics --no-cache --threads-per-node 2)
    stats_ms[$shards]+="$(echo "$out" | node_ms statistics) "
  done
done
s1=$(printf '%s\n' ${stats_ms[1]} | median)
s2=$(printf '%s\n' ${stats_ms[2]} | median)
e1=$(printf '%s\n' ${examples_ms[1]} | median)
e2=$(printf '%s\n' ${examples_ms[2]} | median)
stats_speedup=$(awk -v a="$s1" -v b="$s2" 'BEGIN { printf "%.2f", a / b }')
examples_speedup=$(awk -v a="$e1" -v b="$e2" 'BEGIN { printf "%.2f", a / b }')
echo "$rows rows in 8 files, $(nproc) cores (median of $reps)"
echo "  StatisticsGen  1 shard $s1 ms, 2 shards $s2 ms: speedup $stats_speedup"
echo "  ExampleGen     1 shard $e1 ms, 2 shards $e2 ms: speedup $examples_speedup"

# --- the store on PostgreSQL vs SQLite ------------------------------------------------------------
sqlite_json=$("$root/build-bench/bin/lathe_bench_store" --cache "$root/bench/.cache" \
  --artifacts "$artifacts" | tail -1)
pg_json=$("$root/build-bench/bin/lathe_bench_store" --cache "$root/bench/.cache" \
  --artifacts "$artifacts" --store "${pg}bench_store" | tail -1)

python3 - "$sqlite_json" "$pg_json" <<PY
import json, sys
sq, pg = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"store of {sq['artifacts']} artifacts")
print(f"  PutExecution  SQLite {sq['put_execution_per_s']:.0f}/s, PostgreSQL {pg['put_execution_per_s']:.0f}/s")
print(f"  lineage p50   SQLite {sq['lineage_p50_ms']} ms, PostgreSQL {pg['lineage_p50_ms']} ms")
print(json.dumps({
    "nodes": $nodes,
    "local_chain_ms": $local_med,
    "slurm_chain_ms": $slurm_med,
    "slurm_overhead_ms_per_node": $overhead,
    "rows": $rows,
    "cores": $(nproc),
    "stats_1_shard_ms": $s1,
    "stats_2_shards_ms": $s2,
    "sharded_stats_speedup": $stats_speedup,
    "examples_1_shard_ms": $e1,
    "examples_2_shards_ms": $e2,
    "sharded_examples_speedup": $examples_speedup,
    "artifacts": sq["artifacts"],
    "put_execution_per_s_sqlite": sq["put_execution_per_s"],
    "put_execution_per_s_postgresql": pg["put_execution_per_s"],
    "put_execution_postgresql_vs_sqlite": round(pg["put_execution_per_s"] / sq["put_execution_per_s"], 3),
    "lineage_p50_ms_sqlite": sq["lineage_p50_ms"],
    "lineage_p50_ms_postgresql": pg["lineage_p50_ms"],
    "lineage_p50_postgresql_vs_sqlite": round(pg["lineage_p50_ms"] / sq["lineage_p50_ms"], 3),
}))
PY
