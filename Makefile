# Storyline: `make run` starts it on an embedded SQLite database, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test install migrate bench lint clean web web-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	PBR_VERSION=0.2.0 $(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The web client (web/): npm ci from the lock file, then a build into src/storyline/web/ (git-ignored),
# served by `storyline serve` at /. Rebuilt only when its sources changed.
WEB_DEPS    = web/node_modules/.installed
WEB_BUILT   = src/storyline/web/index.html
WEB_SOURCES = $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)

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

migrate: $(STAMP)
	$(VENV)/bin/storyline db upgrade

run: migrate web
	$(VENV)/bin/storyline serve

test: $(STAMP) web web-check
	$(VENV)/bin/ruff check src tests migrations
	$(PY) -m pytest tests

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests migrations benchmarks

bench: $(STAMP) web
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var web/node_modules src/storyline/web
