# Storyline: `make run` starts it on an embedded SQLite database, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
# `make run` installs what running needs (RUN_STAMP); `make test` adds the test extras (STAMP).
RUN_STAMP = $(VENV)/.installed-run
STAMP     = $(VENV)/.installed-test

.PHONY: run test install migrate bench lint clean web web-check system-packages-run system-packages-test

$(RUN_STAMP): pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	PBR_VERSION=0.2.0 $(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(RUN_STAMP)

# The web client (web/): npm ci from the lock file, then a build into src/storyline/web/ (git-ignored),
# served by `storyline serve` at /. Rebuilt only when its sources changed.
WEB_DEPS    = web/node_modules/.installed
WEB_BUILT   = src/storyline/web/index.html
WEB_SOURCES = $(shell find web/src web/scripts web/index.html web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)

$(WEB_DEPS): web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build
	touch $(WEB_BUILT)

web: $(WEB_BUILT)

# TypeScript (strict), eslint and the Vitest units of the web client.
web-check: $(WEB_DEPS)
	cd web && npm run check

migrate: $(RUN_STAMP)
	$(VENV)/bin/storyline db upgrade

# The Debian packages each command needs (python3-venv, nodejs/npm; for the tests also postgresql and
# chromium): installed when missing if we are root, otherwise the exact apt-get command is printed.
# Serial make builds prerequisites left to right, so these come first.
system-packages-run system-packages-test:
	@PYTHON='$(PYTHON)' bash tools/system-packages.sh $(@:system-packages-%=%)

run: system-packages-run migrate web
	$(VENV)/bin/storyline serve

# The suite runs on TEST_WORKERS pytest-xdist processes (default: one per core); the browser tests all go
# to one of them (tests/e2e/conftest.py). PYTEST_ARGS adds options, e.g. PYTEST_ARGS='-k login -n 0'.
# pytest's exit status 5 (no test collected, e.g. by a -k that matches nothing) is not a failure.
# mypy: --strict on the files [tool.mypy] lists in pyproject.toml (all of src/storyline).
# compileall: the project's own modules as bytecode (git-ignored __pycache__/), even where
# PYTHONDONTWRITEBYTECODE is set: else every `storyline` subprocess of the suite compiles them again.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_ARGS  ?=

test: system-packages-test $(STAMP) web web-check
	$(VENV)/bin/ruff check src tests migrations
	$(VENV)/bin/mypy
	$(PY) -m compileall -q src/storyline migrations benchmarks tests >/dev/null
	$(PY) -m pytest tests -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests migrations benchmarks

bench: $(STAMP) web
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var web/node_modules src/storyline/web
