#!/usr/bin/env bash
# The statistics benchmark (run it through bench/run.sh stats): on the 3,000,000-row flights CSV,
# in one run, `lathe stats compute` (ingest + full statistics) against bench/stats_pandas.py (the
# same statistics with Debian's python3-pandas) and against reading the file (`cat FILE >
# /dev/null`). Wall time is the median of REPS runs; peak memory (max RSS) from GNU time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lathe="$root/build-bench/bin/lathe"
reps=${REPS:-3}
csv=$("$root/scripts/fetch-data.sh" flights)

# "seconds max_rss_kb" of one run of a command (output discarded).
measure() {
  /usr/bin/time -f "%e %M" -o "$tmp" "$@" >/dev/null 2>"$tmp.err" || { cat "$tmp.err" >&2; exit 1; }
  cat "$tmp"
}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.err"' EXIT
cat "$csv" >/dev/null  # the file in the page cache for everyone

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
l_t=(); l_m=(); p_t=(); p_m=(); c_t=()
for r in $(seq 1 "$reps"); do
  read -r t m < <(measure "$lathe" stats compute "$csv"); l_t+=("$t"); l_m+=("$m")
  read -r t m < <(measure /usr/bin/python3 "$root/bench/stats_pandas.py" "$csv"); p_t+=("$t"); p_m+=("$m")
  read -r t m < <(measure sh -c "cat '$csv' > /dev/null"); c_t+=("$t")
done
lt=$(printf '%s\n' "${l_t[@]}" | median); lm=$(printf '%s\n' "${l_m[@]}" | median)
pt=$(printf '%s\n' "${p_t[@]}" | median); pm=$(printf '%s\n' "${p_m[@]}" | median)
ct=$(printf '%s\n' "${c_t[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 0.005; printf "%.2f", a / b }'; }
echo "flights CSV: $(wc -l < "$csv") lines, $(du -m "$csv" | cut -f1) MB; median of $reps"
printf '  %-28s %8s s %8s MB\n' "lathe stats compute" "$lt" "$((lm / 1024))"
printf '  %-28s %8s s %8s MB\n' "pandas (same statistics)" "$pt" "$((pm / 1024))"
printf '  %-28s %8s s\n' "cat FILE > /dev/null" "$ct"
printf '{"speedup_vs_pandas": %s, "peak_rss_vs_pandas": %s, "time_vs_raw_read": %s, "lathe_s": %s, "pandas_s": %s, "cat_s": %s, "lathe_rss_mb": %s, "pandas_rss_mb": %s}\n' \
  "$(ratio "$pt" "$lt")" "$(ratio "$lm" "$pm")" "$(ratio "$lt" "$ct")" "$lt" "$pt" "$ct" "$((lm / 1024))" "$((pm / 1024))"
