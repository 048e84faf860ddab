# pvanalysis — `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Use the active virtualenv or conda environment if there is one, else a local .venv.
ifneq ($(VIRTUAL_ENV)$(CONDA_PREFIX),)
PYTHON := python
STAMP := .venv-active.stamp
else
PYTHON := .venv/bin/python
STAMP := .venv/.installed
endif
PV := $(PYTHON) -m pvanalysis.cli

RAW := data/raw
PROCESSED := data/processed
REPORTS := reports

.venv/bin/python:
	python3 -m venv .venv
	.venv/bin/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(if $(filter .venv/.installed,$(STAMP)),.venv/bin/python)
	$(PYTHON) -m pip install --quiet -e ".[dev]"
	@touch $@

## install: create the environment (.venv unless one is active) and install the project
install: $(STAMP)

## demo: install, build the processed tables from the bundled sample, run the reports
demo: install
	$(PV) demo --raw $(RAW) --processed $(PROCESSED) --out $(REPORTS)

## test: install, then run the test suite
test: install browser
	$(PYTHON) -m pytest -q -n 2 --dist loadfile

## lint: ruff on the package, tests and benchmarks; notebooks must carry no outputs
lint: install
	$(PYTHON) -m ruff check pvanalysis tests benchmarks
	$(PYTHON) -m pvanalysis.cli check-notebooks notebooks

## lab: open JupyterLab on notebooks/ with the project's environment
lab: install
	$(PYTHON) -m jupyter lab notebooks

## sample: regenerate the bundled synthetic sample in data/raw
sample: install
	$(PV) sample --out $(RAW)

## messages: extract the French messages (babel.cfg) and update the Arabic catalogue
messages: install
	$(PYTHON) -m babel.messages.frontend extract -F babel.cfg --no-default-keywords \
	  -k _ -k N_ -k ngettext:1,2 -k _plural:2,3 --no-location --sort-output \
	  -o pvanalysis/locale/pvanalysis.pot .
	$(PYTHON) -m babel.messages.frontend update -i pvanalysis/locale/pvanalysis.pot \
	  -d pvanalysis/locale -D pvanalysis -l ar --no-fuzzy-matching --ignore-obsolete
	@$(PYTHON) -m pvanalysis.i18n

## bench: run the benchmarks (prints figures; not part of the tests)
bench: install
	for f in benchmarks/bench_*.py; do $(PYTHON) $$f || exit 1; done

## browser: install Debian's Chromium for the offline rendering tests (if missing)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium absent: browser tests will be skipped"; fi; }

## clean: remove generated outputs (processed tables, reports, caches), never data/raw
clean:
	find $(PROCESSED) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf $(REPORTS) .pytest_cache .ruff_cache benchmarks/out
	find . -name __pycache__ -not -path './.venv/*' -exec rm -rf {} +

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

.PHONY: install demo test lint lab sample bench browser clean help messages
