# The README's two commands: `make run` and `make test`. Everything they need is set up here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
BUN_VERSION := 1.4.4
BUN := $(TOOLS)/node_modules/.bin/bun
# apt-get needs root; use sudo when we are not root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: help run test lint format unit integration e2e screenshots deps models demo system-deps-run \
	system-deps-test clean \
	bench bench-food-eval bench-model-choice bench-inference bench-pipeline bench-web bench-web-compare bench-save bench-reports bench-gpu

help:
	@echo "make run    start healthapp at http://localhost:3000 (embedded defaults)"
	@echo "make test   install what the tests need, lint, run the whole suite"
	@echo "make lint   ruff, import-linter (layers) and pyright (types)"
	@echo "make demo   create demo users (DEMO_PASSWORD=... required), then make run"
	@echo "make screenshots  the README's phone and desktop screenshots (docs/screenshots)"
	@echo "make bench  run the benchmarks and append their figures to bench/RESULTS.md"

# Debian's Python needs python3-venv for `-m venv`; install it the first time if missing.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(call apt_install,python3-venv) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip

# Re-installed whenever pyproject.toml changes.
$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

# Reflex would download bun from GitHub; the npm registry has the same binary.
$(BUN):
	@command -v npm >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm)
	npm install --no-save --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION)

# The food model: exported to ONNX in a throwaway venv with CPU torch (triton_models/build.sh),
# served by tritonserver from the nvidia-pytriton wheel in a venv of its own.
ONNX := triton_models/food_classifier/1/model.onnx
TRITON_VENV := var/triton-venv

$(ONNX): triton_models/export_food_model.py triton_models/requirements-export.txt
	triton_models/build.sh

$(TRITON_VENV)/triton-install.json: healthapp/inference/triton_server.py | $(VENV)/.deps
	$(BIN)/python -m healthapp.inference.triton_server setup

models: $(ONNX) $(TRITON_VENV)/triton-install.json

deps: $(VENV)/.deps $(BUN) models

define apt_install
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $(1)
endef

# A private redis-server is started by the launcher unless REDIS_URL points at one.
system-deps-run:
	@[ -n "$$REDIS_URL" ] || command -v redis-server >/dev/null || $(call apt_install,redis-server)

# Debian's Chromium drives the browser tests (Playwright's own download is not reachable);
# the CJK fonts make failure screenshots of Korean pages readable.
# The deployment checks (tests/deploy) run Debian's Caddy (`caddy validate`, and a real Caddy
# with its internal CA) and kubectl (`kubectl kustomize`); hadolint, check-jsonschema,
# kubernetes-validate and yamllint come from PyPI with the dev extra. Debian's prometheus (with
# promtool) checks deploy/prometheus and scrapes the running app in the observability tests.
system-deps-test: system-deps-run
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "noto sans cjk" \
		|| $(call apt_install,chromium fonts-noto-cjk)
	@command -v caddy >/dev/null && command -v certutil >/dev/null \
		|| $(call apt_install,caddy libnss3-tools)
	@command -v kubectl >/dev/null || { $(call apt_install,kubernetes-client); }
	@command -v prometheus >/dev/null && command -v promtool >/dev/null \
		|| $(call apt_install,prometheus)

run: deps system-deps-run
	$(BIN)/python -m healthapp.launcher

# Style, the layers of docs/architecture.md (import-linter) and types (pyright, basic mode).
lint: $(VENV)/.deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pyright

format: $(VENV)/.deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: deps system-deps-test lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(VENV)/.deps
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: deps system-deps-run
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: deps system-deps-test
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# The README's screenshots (docs/screenshots/*.png) from the layout e2e test, at phone and desktop
# width; in a normal test run the same test writes them under test-artifacts/ only.
screenshots: deps system-deps-test
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e/test_responsive.py \
		-k screenshots $(PYTEST_ARGS)

# Demo users with months of correlated readings, meals and exercise, in the app's database.
# DEMO_PASSWORD is required (no password is built in): make demo DEMO_PASSWORD='...'
# At least the minimum cohort (20) of the "top n%" badges, so that every demo user sees them.
DEMO_USERS ?= 24
DEMO_DAYS ?= 120
DEMO_SEED ?= 1
demo: $(VENV)/.deps
	@[ -n "$$DEMO_PASSWORD" ] || { echo "set DEMO_PASSWORD (at least 10 characters, not a common password)"; exit 2; }
	$(BIN)/python -m healthapp.cli.demo --users $(DEMO_USERS) --days $(DEMO_DAYS) --seed $(DEMO_SEED)

# Benchmarks: each prints a table and appends its figures to bench/RESULTS.md.
BENCH_ARGS ?=
$(VENV)/.bench-deps: pyproject.toml | $(VENV)/.deps
	$(BIN)/pip install -q -e '.[dev,bench]'
	@touch $@

bench: bench-inference bench-pipeline bench-web bench-save bench-reports
	@command -v nvidia-smi >/dev/null && $(MAKE) bench-gpu || echo "bench-gpu skipped: no NVIDIA GPU"

bench-inference: deps $(VENV)/.bench-deps
	$(BIN)/python -m bench.inference --sweep $(BENCH_ARGS)

bench-pipeline: deps system-deps-run $(VENV)/.bench-deps
	$(BIN)/python -m bench.pipeline $(BENCH_ARGS)

bench-web: deps system-deps-run $(VENV)/.bench-deps
	$(BIN)/python -m bench.web_events $(BENCH_ARGS)

# BEFORE=<git ref>: that version and the working tree side by side (make bench-web-compare BEFORE=main~3).
bench-web-compare: deps system-deps-run $(VENV)/.bench-deps
	$(BIN)/python -m bench.web_compare --before $(or $(BEFORE),$(error set BEFORE=<git ref>)) $(BENCH_ARGS)

bench-save: deps system-deps-run $(VENV)/.bench-deps
	$(BIN)/python -m bench.save_path $(BENCH_ARGS)

# The evaluation set (fetched into var/food-eval): the decision rules, then personal examples.
bench-food-eval: deps
	$(BIN)/python -m bench.food_eval --record $(BENCH_ARGS)
	$(BIN)/python -m bench.food_eval.personal --record

# EfficientNet-Lite0 vs Lite2 (exports Lite2 beside Lite0 first): ~7 min.
bench-model-choice: deps
	VARIANTS="lite0 lite2" triton_models/build.sh
	$(BIN)/python -m bench.model_choice --record $(BENCH_ARGS)

# Needs PostgreSQL at TEST_POSTGRES_URL (default 127.0.0.1:5432); BENCH_ARGS=--quick for a smoke run.
bench-reports: $(VENV)/.bench-deps
	$(BIN)/python -m bench.reports_rank $(BENCH_ARGS)

bench-gpu:
	bash bench/gpu_triton.sh $(BENCH_ARGS)

clean:
	rm -rf .web .states test-artifacts .pytest_cache .ruff_cache
