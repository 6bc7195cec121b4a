# Storyline: `make run` starts it on an embedded SQLite database, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test install migrate bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(VENV)/bin/storyline db upgrade

run: migrate
	$(VENV)/bin/storyline serve

test: $(STAMP)
	$(VENV)/bin/ruff check src tests migrations
	$(PY) -m pytest tests

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests migrations benchmarks

bench: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
