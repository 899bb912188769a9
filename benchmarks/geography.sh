#!/usr/bin/env bash
# Times `import_geography` on a fresh PostgreSQL 15 (first load, then a second run that
# must change nothing), with the peak memory of each run.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/packages.sh time
export DJANGO_SETTINGS_MODULE=ctg.settings.demo
.ci/with-services.sh bash -c '
  .venv/bin/python manage.py migrate --noinput -v0
  for run in first second; do
    echo "== $run run"
    /usr/bin/time -f "wall %e s, peak memory %M KiB" .venv/bin/python manage.py import_geography
  done
'
