# The two commands a new clone needs: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint browser nginx redis screenshots bench pgbench wrk cluster

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP) browser nginx redis

## Debian's Chromium and a Korean font for the browser tests (Playwright's own browser
## download does not work here). Skipped when both are present; as root needs no sudo.
CHROMIUM := /usr/bin/chromium
KOREAN_FONT := /usr/share/fonts/truetype/nanum/NanumGothic.ttf
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -e $(KOREAN_FONT) ]; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum; \
	fi

## Debian's nginx for the reverse-proxy tests (deploy/nginx/vaxbook.conf, tests/transport): the
## limits uvicorn cannot enforce are tested through it. Skipped when nginx is present.
NGINX := /usr/sbin/nginx
nginx:
	@if [ ! -x $(NGINX) ]; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
	fi

## Debian's redis-server and redis-cli: the tests start a private Redis Cluster from them (the gate's
## contract suite, a primary failed over) and so does `make cluster`. Skipped when both are present.
redis:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	fi

## Phone (360 px) and desktop PNGs of every citizen page, into docs/screenshots/.
screenshots: install
	$(BIN)/python -m tests.browser.screenshots docs/screenshots
	$(BIN)/python -m tests.browser.ops_screenshots docs/screenshots

## Start the service on the embedded SQLite default, with a demo campaign open now, in dev mode
## (codes shown on screen, a DEMO ribbon on every page; never for real people).
run: install
	$(BIN)/vaxbook demo
	VAXBOOK_CAMPAIGN_FILE=var/demo-campaign.toml $(BIN)/vaxbook serve --dev-mode

lint: install
	$(BIN)/ruff check src benchmarks tests
	$(BIN)/mypy
	$(BIN)/lint-imports

## Install, lint, type-check, and run the whole suite.
test: lint
	$(BIN)/pytest

## pgbench (Debian's PostgreSQL client) for the database ceiling in `make bench`.
pgbench:
	@command -v pgbench >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; }

## wrk (Debian's package, C): drives the single-request modes of `make bench` (vaxbook-bench wrk).
wrk:
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

## The short rush benchmark (under 3 minutes; PostgreSQL and Redis on 127.0.0.1): prints the
## reports, writes var/bench/*.json, fails on any correctness violation. See docs/benchmarks.md.
bench: install pgbench wrk
	BIN=$(BIN) benchmarks/short.sh

## Past one box, on this machine (about 2 minutes): a 3-primary Redis Cluster with a replica each, a
## PostgreSQL database of its own, three `vaxbook serve` nodes behind nginx, and a journey rush during
## which one node is killed and the line's Redis primary fails over; fails on any lost booking or place.
## Everything is private and removed at the end. See docs/operations.md, "Cluster".
cluster: install
	$(BIN)/vaxbook-bench cluster
