#!/usr/bin/env bash
# The test command: a virtualenv from the lock file, a throwaway PostgreSQL 15 and Redis,
# the quality checks and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=ctg.settings.test
# Durability is useless for a database thrown away after the run.
export PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
exec .ci/with-services.sh bash -c '.ci/quality.sh && .venv/bin/pytest "$@"' pytest "$@"
