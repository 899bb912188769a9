.PHONY: demo test quality venv format vendor geography-fixture

demo:  ## set everything up and start the demo (SQLite, embedded broker, real Celery worker)
	.ci/demo.sh

test:  ## set everything up and run the whole suite against real PostgreSQL 15 and Redis
	.ci/test.sh $(PYTEST_ARGS)

venv:
	.ci/bootstrap.sh

quality: venv  ## formatting, lint, templates and migrations in step with the models
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/djlint templates --lint --quiet
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-ctg.settings.demo} .venv/bin/python manage.py makemigrations --check --dry-run --noinput

format: venv
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

geography-fixture: venv  ## regenerate fixtures/geography from the npm package
	.venv/bin/python manage.py build_geography_fixture

bench-geography:  ## time the geography import on PostgreSQL
	benchmarks/geography.sh
