#!/usr/bin/env bash
# postgres-server.sh start DIR | stop DIR: a throwaway PostgreSQL 15 server for tests and
# benchmarks, its data, socket and log in DIR, listening on 127.0.0.1 at a free port. `start`
# prints the server's URI (postgresql://postgres@127.0.0.1:PORT/) and writes it to DIR/uri.
# As root the server runs as the user postgres (initdb refuses root). Needs the Debian package
# postgresql (installed by scripts/test.sh and the benchmarks that use it).
set -euo pipefail
cmd=${1:?usage: postgres-server.sh start|stop DIR}
dir=${2:?usage: postgres-server.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    [ -x "$bin/initdb" ] || { echo "postgres-server: $bin/initdb missing (apt-get install postgresql)" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # A port is free when the server starts on it; a few tries cover a race with another process.
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$((20000 + (RANDOM % 20000)))
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
          -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
          start >/dev/null 2>&1; then
        echo "postgresql://postgres@127.0.0.1:$port/" | tee "$dir/uri"
        exit 0
      fi
    done
    echo "postgres-server: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres-server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
