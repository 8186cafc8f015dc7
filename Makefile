# Two commands on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint bundle demo bench bench-start bench-merge bench-encrypted bench-server sysdeps sysdeps-window clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

sysdeps:
	@scripts/sysdeps.sh

sysdeps-window:
	@scripts/sysdeps.sh --window

## Start the app on the embedded SQLite database (demo data is created on first run).
run: sysdeps-window $(STAMP)
	$(PY) -m scrutiny_app

## The whole suite, offscreen: core, CLI, GUI, migrations and the PyInstaller bundle.
test: sysdeps $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen SCRUTINY_TEST_POSTGRES=required $(PY) -m pytest

## Everything but the slow bundle build.
test-fast: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## A PyInstaller onedir bundle in dist/scrutiny-app/.
bundle: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec

## Benchmarks: prints a table and writes bench-results.json (about 10 minutes; 2 GB of temp
## files; the server figures on a PostgreSQL server it starts).
bench: $(STAMP)
	$(PY) -m benchmarks

## The start-time figure alone (first window against an empty Qt window; about 20 seconds).
bench-start: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.start_bench

## The merge figure alone (ten members' returns for an 80-case meeting; about 15 seconds).
bench-merge: $(STAMP)
	$(PY) -m benchmarks.merge_bench

## The import into an encrypted database against a plain one (300,000 rows; both in this run).
bench-encrypted: $(STAMP)
	$(PY) -m benchmarks.import_bench encrypted 300000

## The shared server alone: import against COPY (median of 3), the case list, 10 seats x 200
## views (a PostgreSQL server of its own; about 5 minutes).
bench-server: sysdeps $(STAMP)
	$(PY) -m benchmarks.pg_bench

demo: $(STAMP)
	$(PY) -m scrutiny_app demo --db demo.db

clean:
	rm -rf build dist .pytest_cache
