#!/usr/bin/env bash
# The test command: a virtualenv from the lock file, a throwaway PostgreSQL 15 and Redis,
# the quality checks and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=ctg.settings.test
# Durability is useless for a database thrown away after the run.
export PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# A connection left idle inside a transaction (a thread that never came back) would hold the
# locks a transactional test's TRUNCATE needs, for ever: PostgreSQL ends it, and logs who
# waited on whom.
PG_EXTRA_OPTIONS="$PG_EXTRA_OPTIONS -c idle_in_transaction_session_timeout=120s -c log_lock_waits=on"
.ci/packages.sh
.ci/oidc-provider.sh
# Two test processes (the machine's two cores), then, alone, the tests that stop PostgreSQL or
# Redis under the others' feet. Arguments given select tests and run them in one process.
if [ $# -gt 0 ]; then
  exec .ci/with-services.sh bash -c '.ci/quality.sh && .venv/bin/pytest "$@"' pytest "$@"
fi
# The serial tests run in a single worker named like the first one, so that they reuse its
# database (kept by --reuse-db, geography loaded) instead of building and filling another.
exec .ci/with-services.sh bash -c '.ci/quality.sh && .venv/bin/pytest -n 2 -m "not serial" && .venv/bin/pytest -n 1 -m serial'
