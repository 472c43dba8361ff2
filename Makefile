# Two commands matter on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

ASSETS := traffic_stops/static/dist/dashboard.js

.PHONY: demo test lint bench venv assets clean-data

$(INSTALLED): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(INSTALLED)

venv: $(INSTALLED)

## Dashboard JavaScript: Observable Plot bundled by esbuild from the npm registry (Node >= 18).
$(ASSETS): package.json package-lock.json $(wildcard frontend/*.js)
	@command -v node >/dev/null 2>&1 || { echo "Node.js >= 18 and npm are needed to build the dashboard charts (https://nodejs.org/); install them and run make again." >&2; exit 1; }
	@node -e 'process.exit(parseInt(process.versions.node) >= 18 ? 0 : 1)' || { echo "Node.js >= 18 is needed to build the dashboard charts; found $$(node --version)." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

assets: $(ASSETS)

## Run the site on embedded PostgreSQL/Redis (unless DATABASE_URL/REDIS_URL are set).
demo: $(INSTALLED) $(ASSETS)
	$(PY) tools/devstack.py demo

## ruff, migration check and the pytest suite against real PostgreSQL and Redis.
test: $(INSTALLED) $(ASSETS)
	$(PY) tools/devstack.py test -- $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(PY) -m ruff check .

## Slow benchmarks (not part of CI); results go to docs/benchmarks.md.
## One script at another size: make bench BENCH_ARGS="nc --stops 20000000 --record"
bench: $(INSTALLED) $(ASSETS)
	$(PY) tools/devstack.py bench -- $(BENCH_ARGS)

clean-data:
	rm -rf .data
