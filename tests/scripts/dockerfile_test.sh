#!/usr/bin/env bash
# Parses the Dockerfile and checks it against the lathe binary: a build stage that builds with the
# project's scripts, a Debian 12 runtime stage whose apt-get install covers the package of every
# shared library lathe links directly (the C library aside), Python for command steps, COPY
# --from naming an earlier stage, and an exec-form ENTRYPOINT running lathe.
# Usage: dockerfile_test.sh LATHE
set -euo pipefail
lathe=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
# The packages of the libraries lathe needs (NEEDED entries), as dpkg knows them.
needed=$(
  for lib in $(readelf -d "$lathe" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); print $5}'); do
    path=$(ldd "$lathe" | awk -v l="$lib" '$1 == l {print $3}')
    [ -n "$path" ] || { echo "MISSING:$lib"; continue; }
    dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null ||
      dpkg -S "/usr$path" 2>/dev/null || echo "UNOWNED:$lib"
  done | cut -d: -f1 | sort -u
)
/usr/bin/python3 - "$src/Dockerfile" "$needed" <<'PY'
import json, re, shlex, sys

path, needed = sys.argv[1], set(sys.argv[2].split())
bad = [n for n in needed if n in ("MISSING", "UNOWNED")]
assert not bad, f"libraries of lathe without a package: {sys.argv[2]}"

# Instructions: continuation lines joined, comments dropped.
lines, current = [], ""
for raw in open(path):
    line = raw.rstrip("\n")
    if not current and (line.strip().startswith("#") or not line.strip()):
        continue
    if line.endswith("\\"):
        current += line[:-1] + " "
        continue
    lines.append((current + line).strip())
    current = ""
assert not current, "the Dockerfile ends inside a continued line"
stages = []  # [{"name", "image", "instructions": [(op, args)]}]
for line in lines:
    op, _, args = line.partition(" ")
    op = op.upper()
    assert op in {"FROM", "RUN", "COPY", "WORKDIR", "ENTRYPOINT", "CMD", "ENV", "ARG", "LABEL",
                  "USER", "EXPOSE"}, f"unexpected instruction {op}"
    if op == "FROM":
        m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.I)
        assert m, f"FROM {args}"
        stages.append({"image": m.group(1), "name": m.group(2), "ops": []})
        continue
    assert stages, f"{op} before FROM"
    stages[-1]["ops"].append((op, args.strip()))

assert len(stages) >= 2, "a build stage and a runtime stage"
for s in stages:
    assert s["image"].startswith("debian:bookworm"), f"not Debian 12: {s['image']}"
build, runtime = stages[0], stages[-1]
runs = " ".join(a for op, a in build["ops"] if op == "RUN")
assert "scripts/setup.sh" in runs, "the build stage does not build with scripts/setup.sh"
names = [s["name"] for s in stages]
for i, s in enumerate(stages):
    for op, a in s["ops"]:
        m = re.search(r"--from=(\S+)", a) if op == "COPY" else None
        if m:
            assert m.group(1) in names[:i], f"COPY --from={m.group(1)}: no earlier stage of that name"

# The runtime's packages: every word after "apt-get install" that is not an option.
installed = set()
for op, a in runtime["ops"]:
    if op != "RUN":
        continue
    for part in re.split(r"&&|;", a):
        words = shlex.split(part)
        if words[:2] == ["apt-get", "install"]:
            installed |= {w for w in words[2:] if not w.startswith("-")}
essential = {"libc6", "libgcc-s1"}  # in every Debian image
# What apt installs with them: their dependencies, as this machine's dpkg records them.
import subprocess
status = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Depends}, ${Pre-Depends}\n"],
                        capture_output=True, text=True).stdout
depends = {}
for row in status.splitlines():
    pkg, _, deps = row.partition("\t")
    depends[pkg.split(":")[0]] = {d.strip().split(" ")[0].split(":")[0]
                                  for d in re.split(r"[,|]", deps) if d.strip()}
closure, todo = set(), list(installed)
while todo:
    p = todo.pop()
    if p not in closure:
        closure.add(p)
        todo += depends.get(p, ())
installed = closure
# A sanitizer build of lathe (the tests' second pass) also links the sanitizers' runtimes.
needed = {n for n in needed if not re.match(r"lib(a|ub|l|t)san\d", n)}
missing = sorted(needed - installed - essential)
assert not missing, f"the runtime stage lacks packages lathe links: {missing}"
assert "python3" in installed, "command steps need python3"
copies = [a for op, a in runtime["ops"] if op == "COPY"]
assert any(a.split()[-1] == "/usr/local/bin/lathe" for a in copies), "lathe is not copied in"
entry = [a for op, a in runtime["ops"] if op == "ENTRYPOINT"]
assert entry and json.loads(entry[-1])[0] == "lathe", f"ENTRYPOINT {entry}"
print(f"Dockerfile: {len(stages)} stages; the runtime installs the {len(needed)} packages lathe links")
PY
