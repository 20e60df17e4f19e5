#!/usr/bin/env bash
# Starts the local services the integration tests use, if they are not already running:
# PostgreSQL (127.0.0.1:5432), MariaDB (127.0.0.1:3306), Redis (127.0.0.1:6379).
# Each start is idempotent. A service that cannot be started is reported; the tests that
# need it then fail under CI=true (and are skipped, with the reason, outside CI).
set -uo pipefail

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then echo "$name: up"; return 0; fi
    sleep 0.5
  done
  echo "$name: NOT reachable" >&2
  return 1
}

status=0

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
command -v pg_isready >/dev/null 2>&1 && { wait_for postgresql pg_isready -q -h 127.0.0.1 -p 5432 || status=1; }

if command -v mariadb-admin >/dev/null 2>&1 && ! mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
  [ -x /usr/sbin/mariadbd ] && start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
command -v mariadb-admin >/dev/null 2>&1 && { wait_for mariadb mariadb-admin -h 127.0.0.1 -uroot ping || status=1; }

if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null 2>&1 && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
command -v redis-cli >/dev/null 2>&1 && { wait_for redis redis-cli -h 127.0.0.1 -p 6379 ping || status=1; }

exit $status
