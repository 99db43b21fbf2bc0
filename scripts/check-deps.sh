#!/usr/bin/env bash
# check-deps.sh [--setup FILE] [BUILD_DIR]: checks that every Debian package providing a header or
# a shared library that the build in BUILD_DIR (default build) used is installed by the project's
# setup script (FILE, default scripts/setup.sh: its `packages=(...)` list), directly or as one of
# their dependencies, or belongs to a minimal Debian system (Essential or Priority required).
# Prints what is missing and exits 1 if anything is; 2 if it cannot tell (no build, no apt lists).
# The test suite runs it, so a package installed by hand on a development machine cannot hide a
# missing install step.
set -euo pipefail
cd "$(dirname "$0")/.."
setup=scripts/setup.sh
if [ "${1:-}" = --setup ]; then
  setup=$2
  shift 2
fi
build=${1:-build}
[ -f "$build/build.ninja" ] || { echo "check-deps: no $build/build.ninja: build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The files the build read (compiler dependency records) and the libraries its programs load.
{
  ninja -C "$build" -t deps 2>/dev/null | awk '$1 ~ /^\/usr\// {print $1}'
  for program in "$build"/bin/*; do
    [ -x "$program" ] && ldd "$program" 2>/dev/null | awk '$3 ~ /^\// {print $3}'
  done
} | sort -u >"$work/files"
[ -s "$work/files" ] || { echo "check-deps: $build records no dependencies: build first" >&2; exit 2; }
# dpkg knows a file by the path its package installed: try the path and its resolved form.
while read -r f; do
  echo "$f"
  r=$(readlink -f "$f")
  [ "$r" = "$f" ] || echo "$r"
done <"$work/files" | sort -u >"$work/paths"
# "pkg[:arch][, pkg2]: path" per file; unknown paths are left out.
{ xargs -a "$work/paths" -d "\n" dpkg -S 2>/dev/null || true; } |
  awk -F': ' '{n = split($1, p, ", "); for (i = 1; i <= n; i++) {sub(/:.*/, "", p[i]); print p[i], $2}}' |
  sort -u >"$work/owners"
cut -d' ' -f1 "$work/owners" | sort -u >"$work/used"

# The declared list: the setup script's packages=( ... ) array, comments removed.
sed -n '/^packages=(/,/^)/p' "$setup" | sed 's/#.*//; s/packages=(//; s/)//' | tr -s ' \t' '\n' |
  sed '/^$/d' | sort -u >"$work/declared"
[ -s "$work/declared" ] || { echo "check-deps: $setup has no packages=(...) list" >&2; exit 2; }
# Their dependency closure, and what every Debian system has.
if ! apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $(cat "$work/declared") >"$work/depends" 2>"$work/apt-errors"; then
  echo "check-deps: apt-cache cannot resolve the declared packages (run apt-get update):" >&2
  cat "$work/apt-errors" >&2
  exit 2
fi
awk '/^[a-z0-9]/ {print $1} /Depends:/ {print $2}' "$work/depends" | tr -d '<>' | sed 's/:.*//' |
  sort -u >"$work/closure"
dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' |
  awk '$2 == "yes" || $3 == "required" {print $1}' | sort -u >"$work/base"
sort -u "$work/closure" "$work/base" >"$work/ok"

missing=$(comm -23 "$work/used" "$work/ok" | tr '\n' ' ')
if [ -n "$missing" ]; then
  echo "check-deps: the build uses packages that $setup does not install: $missing"
  for p in $missing; do
    awk -v p="$p" '$1 == p {print "  " p ": " $2; if (++n == 2) exit}' "$work/owners"
  done
  exit 1
fi
echo "check-deps: $(wc -l <"$work/used") packages used by the build, all installed by $setup"
