#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 and Redis, started here and stopped
# whatever happens (DATABASE_URL and REDIS_URL are exported to the command).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

.ci/packages.sh
.ci/bootstrap.sh

RUN_DIR=$(mktemp -d /tmp/ctg-services.XXXXXX)
chmod 755 "$RUN_DIR"
PG_BIN=/usr/lib/postgresql/15/bin
PG_USER=postgres
id -u "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_USER"

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)

cleanup() {
  status=$?
  # What PostgreSQL saw of a failed run: lock waits, connections it ended.
  if [ "$status" -ne 0 ] && [ -f "$RUN_DIR/pg.log" ]; then
    grep -E "still waiting|acquired|idle-in-transaction|terminating" "$RUN_DIR/pg.log" | tail -40 >&2 || true
  fi
  [ -f "$RUN_DIR/redis.pid" ] && kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null || true
  if [ -f "$RUN_DIR/pg/postmaster.pid" ]; then
    su "$PG_USER" -s /bin/sh -c "$PG_BIN/pg_ctl -D '$RUN_DIR/pg' -m immediate stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$RUN_DIR"
  exit $status
}
trap cleanup EXIT INT TERM

chown "$PG_USER" "$RUN_DIR"
su "$PG_USER" -s /bin/sh -c "mkdir '$RUN_DIR/pg' && $PG_BIN/initdb -D '$RUN_DIR/pg' -U ctg -A trust -E UTF8 --locale=C.UTF-8 >/dev/null"
su "$PG_USER" -s /bin/sh -c "$PG_BIN/pg_ctl -D '$RUN_DIR/pg' -l '$RUN_DIR/pg.log' -w start -o \
  '-p $PG_PORT -k $RUN_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c random_page_cost=1.1 ${PG_EXTRA_OPTIONS:-}'" >/dev/null
su "$PG_USER" -s /bin/sh -c "$PG_BIN/createdb -h 127.0.0.1 -p $PG_PORT -U ctg ctg"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$RUN_DIR/redis.pid" --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log"

export DATABASE_URL="postgres://ctg@127.0.0.1:$PG_PORT/ctg"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CTG_SERVICES_DIR="$RUN_DIR"
echo "PostgreSQL 15 sur le port $PG_PORT, Redis sur le port $REDIS_PORT"
"$@"
