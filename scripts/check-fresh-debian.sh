#!/usr/bin/env bash
# check-fresh-debian.sh [ROOT]: runs the README's two quick-start commands (scripts/demo.sh, then
# scripts/test.sh) on a minimal Debian 12 system made with `debootstrap --variant=minbase
# bookworm` in ROOT (default /var/tmp/lathe-bookworm; reused when it exists), from a clean clone of
# what is committed, as root in a chroot. It proves that the project's own scripts install
# everything the build, the demo and the tests need. Needs root and the network; takes about an
# hour on two cores. Logs: ROOT/demo.log and ROOT/test.log.
#   LATHE_DEBIAN_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
#   LATHE_FRESH_ROOT=1   start from a new debootstrap even when ROOT exists
#   LATHE_CHECK_STEPS    which commands to run (default "demo test")
# A host whose network needs an extra certificate authority (NODE_EXTRA_CA_CERTS, e.g. a TLS proxy)
# lends it to the chroot, as the network would to any machine on it; nothing else comes from the
# host.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-/var/tmp/lathe-bookworm}
mirror=${LATHE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "check-fresh-debian: run as root (chroot, mounts)" >&2; exit 2; }
scripts/install-packages.sh debootstrap git  # tools of this check, on the host only

if [ "${LATHE_FRESH_ROOT:-0}" = 1 ] || [ ! -x "$root/usr/bin/apt-get" ]; then
  rm -rf "$root"
  echo "== debootstrap --variant=minbase bookworm $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -20 "$root.debootstrap.log" >&2; exit 1; }
fi
rm -rf "$root/lathe"
git clone -q "$PWD" "$root/lathe"
echo "== a clean clone of $(git rev-parse --short HEAD) in $root/lathe"
cp /etc/resolv.conf "$root/etc/resolv.conf"

mounted=()
cleanup() { for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done; }
trap cleanup EXIT
for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  if [ "$m" = sys ]; then
    # With what is mounted below it (the cgroup file systems slurmd needs), as a booted machine
    # has; kept from propagating back to the host's mounts.
    mount --rbind "/$m" "$root/$m"
    mount --make-rslave "$root/$m"
  else
    mount --bind "/$m" "$root/$m"
  fi
  mounted+=("$root/$m")
done

network_env=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$root/usr/local/share/lathe-check"
  cp "$NODE_EXTRA_CA_CERTS" "$root/usr/local/share/lathe-check/network-ca.crt"
  network_env=(NODE_EXTRA_CA_CERTS=/usr/local/share/lathe-check/network-ca.crt)
fi
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb "${network_env[@]}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "cd /lathe && $1"
}
status=0
for step in ${LATHE_CHECK_STEPS:-demo test}; do
  echo "== scripts/$step.sh (log: $root/$step.log)"
  start=$(date +%s)
  if in_root "scripts/$step.sh" >"$root/$step.log" 2>&1; then
    echo "   passed in $(($(date +%s) - start)) s; last line: $(tail -1 "$root/$step.log")"
  else
    echo "   FAILED after $(($(date +%s) - start)) s:"
    tail -30 "$root/$step.log" | sed 's/^/   /'
    status=1
  fi
done
exit $status
