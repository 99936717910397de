# Shopscore: every target creates or reuses .venv, so a fresh clone needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The lock: uv.lock, written by `uv lock`: every package's exact version and the sha256 of each
# of its files, for CPython 3.11 on every platform. Resolving again keeps the versions it holds.
# pyproject.toml pins every dependency to the lock's version (.ci/pins.py), so that any other
# installer (pip install -e ., uv pip install) gets the same versions too.
LOCK := uv.lock
EXTRAS := --all-extras
# uv itself, as a hash-checked requirement taken from the lock (every wheel of it: pip picks
# this platform's), to install everything else with.
LOCKED_UV := import tomllib; uv = next(p for p in tomllib.load(open("$(LOCK)", "rb"))["package"] \
	if p["name"] == "uv"); print("uv==" + uv["version"], *("--hash=" + w["hash"] for w in uv["wheels"]))
# The suites after `shared` run in TEST_WORKERS processes (pytest-xdist), one test file per
# process at a time: a file's fixtures (its servers, its database) are set up once, as alone.
TEST_WORKERS ?= 2
PARALLEL := $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
PO_FILES := $(wildcard shared/locale/*/LC_MESSAGES/shopscore.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help setup upgrade lock demo test test-shared test-rest lint audit format bench soak mobile look translations extract clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -c '$(LOCKED_UV)' > $(VENV)/locked-uv.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps --only-binary :all: -r $(VENV)/locked-uv.txt
	@# Exactly what the lock lists, resolving nothing (--frozen); wheels only (--no-build):
	@# building a source package would fetch the newest build backend.
	$(VENV)/bin/uv sync --quiet --frozen --no-build --no-install-project $(EXTRAS)
	@# setuptools warns on every editable install that a folder named like a package shadows
	@# it: here that folder is the package itself.
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet --no-deps \
		--no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP) translations ## create .venv and install exactly the versions in uv.lock

upgrade: setup ## resolve uv.lock again (newest versions), pin pyproject.toml to it, reinstall, run every test
	$(PY) .ci/pins.py unpin
	$(VENV)/bin/uv lock --upgrade
	$(PY) .ci/pins.py pin
	$(VENV)/bin/uv lock
	$(MAKE) setup test

lock: setup ## resolve uv.lock again after a change of pyproject.toml, keeping other versions
	$(VENV)/bin/uv lock

shared/locale/%/LC_MESSAGES/shopscore.mo: shared/locale/%/LC_MESSAGES/shopscore.po $(STAMP)
	$(VENV)/bin/pybabel -q compile --use-fuzzy -D shopscore -i $< -o $@

translations: $(MO_FILES) ## compile the gettext catalogues

extract: setup ## re-extract messages and update every catalogue
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -k N_ -o shared/locale/shopscore.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -D shopscore -i shared/locale/shopscore.pot -d shared/locale --no-fuzzy-matching

# PORT and HOST count only when given on make's command line (make demo PORT=8001): some
# shells export HOST as the machine's name, which would open the demo to the network.
given = $(and $(filter command line,$(origin $(1))),$($(1)))
DEMO_OPTIONS = $(if $(call given,HOST),--host $(HOST)) $(if $(call given,PORT),--port $(PORT))

demo: setup ## load the demo, write its reports to ./out, serve it (PORT=8000 HOST=127.0.0.1; Ctrl+C stops)
	$(VENV)/bin/shopscore demo $(DEMO_OPTIONS)

test: setup ## install everything and run every test suite (shared needs 100% branch coverage)
	$(PY) -m pytest tests/shared -q -p no:cacheprovider -m "not slow" --cov=shared --cov-branch --cov-report=term-missing --cov-fail-under=100
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/shared -m "not slow" $(PARALLEL)

lint: setup ## the lock matches pyproject.toml; ruff (format and lint) and mypy
	$(VENV)/bin/uv lock --check
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shared reports server mobile

audit: setup ## pip-audit of the installed dependencies (needs PyPI's JSON API; packages it cannot look up are listed)
	$(VENV)/bin/pip-audit --local --skip-editable --progress-spinner off

format: setup ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup ## run the benchmarks; each prints ratios against a floor measured in the same run
	@for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

soak: setup ## the long test forms (fuzzing, fault injection, load, more screen tours)
	$(PY) -m pytest -q -p no:cacheprovider -m slow

mobile: setup ## run the field app on the desktop against the demo server (SHOPSCORE_SERVER=)
	SHOPSCORE_SERVER=$${SHOPSCORE_SERVER:-http://127.0.0.1:8000} $(PY) -m mobile

look: setup ## screenshots of every screen of the field app, each language, 360 and 720 dp wide, in ./out/look/mobile; the demo's outlet and comparison reports, page by page, each language, in ./out/look/reports; every dashboard page of each role, each language, 1280 and 390 px wide, in ./out/look/dashboard
	$(PY) -m tests.mobile.look
	$(PY) -m tests.reports.look
	$(PY) -m tests.dashboard.look

clean: ## remove the virtual environment and generated files
	rm -rf $(VENV) var out .pytest_cache .mypy_cache .ruff_cache
