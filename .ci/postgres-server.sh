#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, shared by .ci/run and the vitest global setup.
#
#   .ci/postgres-server.sh find-bin    prints the directory holding initdb and pg_ctl, or exits 3
#   .ci/postgres-server.sh start DIR   creates a cluster in DIR (an existing, empty directory), starts it
#                                      on 127.0.0.1 and a free port, prints its URL on stdout
#   .ci/postgres-server.sh stop DIR    stops it and deletes DIR
#
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user when there is one,
# else as a dedicated system user `strata-pg` created on first use. Authentication is `trust` and the
# server listens on loopback only; fsync is off (the data is thrown away).
set -euo pipefail

find_bin_dir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 3
}

server_user() {
  if [[ "$(id -u)" -ne 0 ]]; then
    id -un
  elif id -u postgres >/dev/null 2>&1; then
    echo postgres
  else
    if ! id -u strata-pg >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin strata-pg 2>/dev/null || id -u strata-pg >/dev/null
    fi
    echo strata-pg
  fi
}

# Runs a command as the server user ($1), directly when that is who we are already.
as_user() {
  local user=$1
  shift
  if [[ "$(id -un)" == "$user" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

free_port() {
  node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

start() {
  local dir=$1 bin user port attempt
  bin=$(find_bin_dir) || { echo "no PostgreSQL binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin" >&2; exit 3; }
  user=$(server_user)
  echo "$user" >"$dir/user"
  echo "$bin" >"$dir/bin"
  chown -R "$user" "$dir"
  chmod 700 "$dir"
  if ! as_user "$user" "$bin/initdb" -D "$dir/data" -U strata --auth=trust --encoding=UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    exit 1
  fi
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >&2; then
      echo "$port" >"$dir/port"
      echo "postgres://strata@127.0.0.1:$port/postgres"
      return 0
    fi
    echo "PostgreSQL did not start on port $port (attempt $attempt):" >&2
    tail -n 20 "$dir/server.log" >&2 || true
  done
  exit 1
}

stop() {
  local dir=$1
  if [[ -f "$dir/user" && -f "$dir/bin" && -d "$dir/data" ]]; then
    as_user "$(cat "$dir/user")" "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  find-bin) find_bin_dir ;;
  start) start "${2:?usage: postgres-server.sh start DIR}" ;;
  stop) stop "${2:?usage: postgres-server.sh stop DIR}" ;;
  *)
    echo "usage: $0 find-bin | start DIR | stop DIR" >&2
    exit 2
    ;;
esac
