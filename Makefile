# Two commands matter on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint bench venv clean-data

$(INSTALLED): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(INSTALLED)

venv: $(INSTALLED)

## Run the site on embedded PostgreSQL/Redis (unless DATABASE_URL/REDIS_URL are set).
demo: $(INSTALLED)
	$(PY) tools/devstack.py demo

## ruff, migration check and the pytest suite against real PostgreSQL and Redis.
test: $(INSTALLED)
	$(PY) tools/devstack.py test -- $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(PY) -m ruff check .

## Slow benchmarks (not part of CI); results go to docs/benchmarks.md.
## One script at another size: make bench BENCH_ARGS="nc --stops 20000000 --record"
bench: $(INSTALLED)
	$(PY) tools/devstack.py bench -- $(BENCH_ARGS)

clean-data:
	rm -rf .data
