.PHONY: demo test quality venv format vendor geography-fixture bench-geography pytest bench-documents bench

BOOTSTRAP_VERSION = 5.3.9
HTMX_VERSION = 2.0.11

demo:  ## set everything up and start the demo (SQLite, embedded broker, real Celery worker)
	.ci/demo.sh

test:  ## set everything up and run the whole suite against real PostgreSQL 15 and Redis
	.ci/test.sh $(PYTEST_ARGS)

venv:
	.ci/bootstrap.sh

quality: venv  ## formatting, lint, templates and migrations in step with the models
	.ci/quality.sh

format: venv
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

geography-fixture: venv  ## regenerate fixtures/geography from the npm package
	.venv/bin/python manage.py build_geography_fixture

bench-geography:  ## time the geography import on PostgreSQL
	benchmarks/geography.sh

vendor:  ## refresh the front-end assets served by the app (versions in static/vendor/README.md)
	rm -rf var/vendor && mkdir -p var/vendor
	cd var/vendor && npm pack --silent bootstrap@$(BOOTSTRAP_VERSION) htmx.org@$(HTMX_VERSION) >/dev/null && for f in *.tgz; do mkdir "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	cp var/vendor/bootstrap-$(BOOTSTRAP_VERSION)/package/dist/css/bootstrap.min.css var/vendor/bootstrap-$(BOOTSTRAP_VERSION)/package/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/
	cp var/vendor/htmx.org-$(HTMX_VERSION)/package/dist/htmx.min.js static/vendor/htmx/
	sed -i 's#/\*\# sourceMappingURL=.*\*/##; s#//\# sourceMappingURL=.*##' static/vendor/bootstrap/*

pytest:  ## the pytest suite alone against fresh PostgreSQL and Redis (no quality checks): make pytest PYTEST_ARGS=-x
	.ci/oidc-provider.sh
	DJANGO_SETTINGS_MODULE=ctg.settings.test PG_EXTRA_OPTIONS="-c fsync=off -c synchronous_commit=off" .ci/with-services.sh .venv/bin/pytest $(PYTEST_ARGS)

bench-documents:  ## time the convention PDF (60 pages) and the 26 deliberations of Plaine Limagne
	DJANGO_SETTINGS_MODULE=ctg.settings.demo .ci/with-services.sh .venv/bin/python benchmarks/documents.py

bench:  ## the national benchmark: dataset, page times against the floor, documents, import, throughput
	.ci/packages.sh wrk
	DJANGO_SETTINGS_MODULE=benchmarks.settings PG_EXTRA_OPTIONS="-c shared_buffers=256MB" .ci/with-services.sh .venv/bin/python benchmarks/national.py
