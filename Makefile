# chargeplane: `make run` starts a demo, `make test` runs the whole suite. Nothing else is needed.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: install system-deps run serve test check lint typecheck layers pytest bench clean messages screenshots

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# The portal's front-end libraries: from the npm registry (package-lock.json), bundled by esbuild.
ASSETS := src/chargeplane/portal/static/build/.built
node_modules/.installed: package.json package-lock.json
	scripts/system-deps --node
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS): node_modules/.installed scripts/bundle-assets.mjs $(wildcard assets/*)
	node scripts/bundle-assets.mjs
	touch $@

install: $(VENV)/.installed $(ASSETS)

system-deps:
	scripts/system-deps

run: install
	$(VENV)/bin/chargeplane serve --demo

serve: install
	$(VENV)/bin/chargeplane serve

lint: install
	$(VENV)/bin/ruff check src tests bench

typecheck: install
	$(VENV)/bin/mypy

layers: install
	$(VENV)/bin/lint-imports

# Two workers: most tests wait on real servers (the app, PostgreSQL, Chromium), so two run side by side.
pytest: install system-deps
	$(VENV)/bin/pytest -n 2 --dist worksteal

check: lint typecheck layers

test: check pytest

bench: install
	$(VENV)/bin/python bench/ocpp_load.py

# Extract the portal's texts into locales/messages.pot and merge them into each language's catalog.
messages: install
	scripts/messages

# Refresh docs/screenshots/ from the running demo, in headless Chromium.
screenshots: install system-deps
	$(VENV)/bin/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache node_modules src/chargeplane/portal/static/build
