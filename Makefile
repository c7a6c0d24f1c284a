# The two commands a new clone needs: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Start the service on the embedded SQLite default, with a demo campaign open now.
run: install
	$(BIN)/vaxbook demo
	VAXBOOK_CAMPAIGN_FILE=var/demo-campaign.toml $(BIN)/vaxbook serve

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

## Install, lint, type-check, and run the whole suite.
test: lint
	$(BIN)/pytest
