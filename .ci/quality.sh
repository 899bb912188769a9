#!/usr/bin/env bash
# One quality command: formatting, lint, templates, migrations in step with the models.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/djlint templates --lint --quiet
DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-ctg.settings.demo} \
  .venv/bin/python manage.py makemigrations --check --dry-run --noinput
