#!/usr/bin/env bash
# The demo command: SQLite, the embedded broker, a real Celery worker, demo data and accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/bootstrap.sh

export DJANGO_SETTINGS_MODULE=ctg.settings.demo
unset DATABASE_URL REDIS_URL
HOST=${DEMO_HOST:-127.0.0.1}
case "$HOST" in
  127.*|localhost|::1|\[::1\]) ;;
  *) echo "Attention : la démo (mode DEBUG, comptes au mot de passe publié) écoute sur $HOST ;" \
       "ne l'exposez pas sur un réseau. DEMO_HOST=127.0.0.1 la garde sur cette machine." >&2 ;;
esac
PORT=${DEMO_PORT:-8000}
export SITE_URL="http://$HOST:$PORT"
PY=.venv/bin/python
# The SQLite database and the embedded broker's messages live in var/.
mkdir -p var/broker/queue var/broker/processed

# A local RFC 3161 timestamp authority: the demo's seals are timestamped as in production.
TSA_PORT=${DEMO_TSA_PORT:-8010}
export SEAL_TSA_URL="http://127.0.0.1:$TSA_PORT/" SEAL_TSA_ROOTS_FILE="$PWD/var/tsa/tsa.pem"
PYTHONUNBUFFERED=1 $PY manage.py run_timestamp_authority --port "$TSA_PORT" --dir var/tsa >var/tsa.log 2>&1 &
TSA=$!
trap 'kill $TSA 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 50); do [ -f var/tsa/tsa.pem ] && grep -q "Autorité" var/tsa.log && break; sleep 0.2; done

$PY manage.py migrate --noinput -v0
$PY manage.py import_geography
$PY manage.py load_demo

.venv/bin/celery -A ctg worker --beat --pool=solo --loglevel=INFO \
  --schedule=var/celerybeat-schedule --logfile=var/celery.log &
WORKER=$!
trap 'kill $WORKER $TSA 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM

echo
echo "Démo prête : ouvrez $SITE_URL/ (courriels envoyés : $SITE_URL/demo/courriels/ ; worker Celery : var/celery.log)"
echo
$PY manage.py runserver "$HOST:$PORT" --noreload
