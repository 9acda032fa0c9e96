# Ruche — everything a newcomer needs is `make demo` and `make test`.
# Only python3, pip and make are assumed: uv is installed with pip when missing.
SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := $(PYTHON) -m uv
endif
RUN := $(UV) run --frozen
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False


.PHONY: help install demo test lint lint-sql format sandbox airflow clean bench sentiment-eval browser-check stack-test

help:
	@echo "make demo     install, then run the Airflow DAGs on the sandbox for 3 demo clients"
	@echo "make test     install and run the test suite"
	@echo "make lint     ruff (lint + format check) and sqlfluff (dbt SQL, house style)"
	@echo "make lint-sql sqlfluff only (SQL=\"<files>\" for some files)"
	@echo "make sandbox  serve the platform sandbox on 127.0.0.1:8765"
	@echo "make airflow  airflow standalone with Ruche's DAGs and the sandbox (UI on 127.0.0.1:8080;"
	@echo "              another port: make airflow ARGS='--port 8081')"
	@echo "make sentiment-eval  accuracy and recall of negatives per language of the sentiment scorers"
	@echo "make browser-check  the dbt docs and audit report rendered offline in headless Chromium"
	@echo "make stack-test  the docker/compose.yml topology for real, without Docker: Postgres, Redis,"
	@echo "              Airflow components and two Celery workers, S3 (moto); a night checked end to end,"
	@echo "              then webhooks through ruche_events to alert e-mails, and the next night"
	@echo "make bench    benchmarks (SCALE=demo|agency, HISTORY=30|30,730); report in bench/results/latest.md"
	@echo "              LATENCY=1: the nightly extract at API latency with 1, 2, 4 workers (latency.md)"

.venv/.ruche-installed: uv.lock pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	$(UV) sync --frozen
	@touch $@

install: .venv/.ruche-installed

demo: install
	$(RUN) ruche demo

test: install
	$(RUN) pytest -q

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	@$(MAKE) --no-print-directory lint-sql

# sqlfluff with the dbt templater (.sqlfluff) compiles each file with dbt, which needs the
# profile's connection: an in-memory DuckDB (no warehouse needed; the macros fall back to the
# declared platforms) and a throwaway commenter-hash key (nothing is hashed, nothing stored).
# sqlfluff only warns and skips a file dbt cannot compile: that fails the target too.
# One process per CPU (0): the whole project takes ~25 s on 2 cores, ~38 s on one (the pool's
# "leaked semaphore" warning at exit is noise, silenced).
SQL ?= dbt_project
lint-sql: install
	@out=$$(RUCHE_WAREHOUSE=:memory: RUCHE_AUTHOR_HASH_KEY=lint-only-not-a-key \
		PYTHONWARNINGS=ignore::UserWarning:multiprocessing.resource_tracker \
		$(RUN) sqlfluff lint --processes 0 $(SQL) 2>&1); status=$$?; echo "$$out"; \
	if grep -q "Skipped file" <<<"$$out"; then \
		echo "sqlfluff: dbt could not compile a file above, so it was not linted"; exit 1; fi; \
	exit $$status

# Debian's chromium (installed once by the script; skipped, saying why, without apt or root),
# then the test that opens the dbt docs and the audit report from disk with network cut.
browser-check: install
	./scripts/install-chromium.sh
	$(RUN) pytest -q tests/e2e/test_docs_in_browser.py

# The production topology for real, without Docker (ruche/stack.py, docker/README.md): Debian's
# PostgreSQL and Redis servers (installed once by the script), the `stack` extra (Celery, Redis
# client, Postgres driver; `uv run` adds it to the environment), then one night through the
# scheduler, checked against the single-process demo. STACK_ARGS="--keep" keeps its logs.
stack-test: install
	./scripts/install-stack.sh
	$(RUN) --extra stack python -m ruche.stack $(STACK_ARGS)

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

sandbox: install
	$(RUN) ruche sandbox --port 8765

airflow: install
	$(RUN) ruche airflow $(ARGS)

# SCORERS="lexicon my_pkg.module:MyScorer" measures other scorers (default: legacy and lexicon)
sentiment-eval: install
	$(RUN) python -m ruche.sentiment.evaluate $(foreach s,$(SCORERS),--scorer $(s))

SCALE ?= demo
HISTORY ?= 30
# LATENCY=1 (or a median in ms, 150/600 for median/p95): only the nightly extract at API
# latency, with 1, 2 and 4 workers (bench/README.md); its report is bench/results/latency.md
LATENCY ?=
bench:
	$(UV) sync --frozen --group bench
ifeq ($(strip $(LATENCY)),)
	$(RUN) --group bench python -m bench --scale $(SCALE) --history $(HISTORY) $(BENCH_ARGS)
else
	$(RUN) --group bench python -m bench --scale $(SCALE) \
		--latency $(if $(filter 1,$(LATENCY)),150,$(LATENCY)) $(BENCH_ARGS)
endif

clean:
	rm -rf demo_output .pytest_cache .ruff_cache
