# City Tools: London. `make report` builds the web book; `make test` runs every test.
# Both create .venv and install the project (pinned by constraints.txt) when needed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help

.PHONY: help install report synth test lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project and its test tools

report: install ## Clean the survey and build the web book into _build/html/
	$(BIN)/citytools build

test: install ## Run the whole test suite
	$(BIN)/python -m pytest

synth: install ## Regenerate the synthetic survey in data/raw/survey/ (seed in data/raw/survey/round.json)
	$(BIN)/citytools synth

lock: ## Refresh constraints.txt from a fresh resolve of pyproject.toml
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e ".[test]"
	.venv-lock/bin/python -m pip freeze --exclude-editable | LC_ALL=C sort > constraints.txt
	rm -rf .venv-lock
