# Support Pulse. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PULSE := $(BIN)/pulse
STAMP := $(VENV)/.installed
SCALE ?= demo
# `make run LIVE=0` serves a static demo without the live simulator.
LIVE ?= 1
# `make bench BENCH_ARGS=--page-draw-only` times the pages alone (see tests/harness/bench.py).
BENCH_ARGS ?=
# `make bench ENGINE=spark`: the DuckDB and the Spark full build side by side (docs/SPARK.md).
ENGINE ?= duckdb

# `make install-spark`: the optional Spark engine (docs/SPARK.md): a Java runtime from
# Debian's packages when `java` is missing, then the `.[spark]` extra.
.PHONY: install install-spark test-spark browser run generate load build refresh serve test lint bench loadtest screenshots docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The dashboard's charts are scatter, bar and heatmap traces: plotly.js's "cartesian"
# partial bundle (1.5 MB against the full bundle's 4.8 MB; dashboard/plotly_bundle.py),
# the release plotly.py carries, from the npm registry. Without npm the full one is served.
PLOTLY_BUNDLE := $(VENV)/share/pulse/plotly-cartesian.min.js

$(PLOTLY_BUNDLE): $(STAMP)
	@version=$$($(BIN)/python -c 'from dashboard.plotly_bundle import plotly_js_version as v; print(v())'); \
	work=$$(mktemp -d); \
	if command -v npm >/dev/null && (cd $$work && npm pack --silent "plotly.js-cartesian-dist-min@$$version" >/dev/null 2>&1); then \
		tar -xzf $$work/*.tgz -C $$work && mkdir -p $(dir $@) && cp $$work/package/plotly-cartesian.min.js $@; \
	else \
		echo "npm could not fetch plotly.js-cartesian-dist-min@$$version: the dashboard serves plotly.js's full bundle"; \
	fi; \
	rm -rf $$work

install: $(STAMP) $(PLOTLY_BUNDLE)

# Debian's chromium and chromium-driver for the browser tests (never a downloaded browser).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

SPARK_STAMP := $(VENV)/.installed-spark

$(SPARK_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)
	@if ! command -v java >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

# The Spark part of the suite alone (tests marked `spark`).
test-spark: install-spark
	$(BIN)/pytest -q -m spark

generate: install
	$(PULSE) generate --end now --scale $(SCALE)

load: install
	$(PULSE) load

build: install
	$(PULSE) build

refresh: install
	$(PULSE) refresh

run: install
	@if [ -z "$$(find $${PULSE_RAW_DIR:-data/raw} -type f 2>/dev/null | head -1)" ]; then \
		echo "No extracts found: generating demo data"; $(PULSE) generate --end now; fi
	$(PULSE) load
	$(PULSE) build
	@if [ "$(LIVE)" = 1 ]; then \
		echo "Live demo: new ticket activity every 3 minutes (make run LIVE=0 to turn off)"; \
		$(PULSE) refresh --every 3m --simulate & \
		trap "kill $$! 2>/dev/null" EXIT; \
		$(PULSE) serve; \
	else $(PULSE) serve; fi

serve: install
	$(PULSE) serve

# The whole suite, the Spark parity tests included (docs/SPARK.md): Java and the Spark
# extra are installed first. One test file per worker (--dist loadfile): a file's module
# fixtures (a served dashboard, a built warehouse) are then set up once; at most 4 workers
# keep memory modest.
test: install install-spark browser
	$(BIN)/pytest -q -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder --durations=30

lint: install
	$(BIN)/ruff check warehouse dashboard tests
	$(BIN)/ruff format --check warehouse dashboard tests
	@# sqlfluff's dbt templater compiles every model: give it a scratch warehouse and an
	@# empty landing database instead of the published ones
	mkdir -p data/lint
	$(BIN)/python -c "import duckdb; duckdb.connect('data/lint/landing.duckdb').close()"
	cd transforms && PULSE_BUILD_PATH=../data/lint/warehouse.duckdb \
		PULSE_LANDING=../data/lint/landing.duckdb PULSE_TEMP_DIR=../data/lint/tmp \
		../$(BIN)/sqlfluff lint models

bench: install $(if $(filter spark,$(ENGINE)),install-spark)
	$(BIN)/python -m tests.harness.bench --scale $(SCALE) --engine $(ENGINE) $(BENCH_ARGS)

loadtest: install
	$(BIN)/python -m tests.harness.loadtest

screenshots: install browser
	$(BIN)/python -m tests.harness.screenshots
	$(BIN)/python -m tests.harness.notify_screenshots

docs: install
	cd transforms && ../$(BIN)/dbt docs generate --profiles-dir .

clean:
	rm -rf data transforms/target transforms/logs
