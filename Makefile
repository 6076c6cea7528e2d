# Two commands for a fresh machine: `make run` (portal on the demo database) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB ?= data/yse.db
PORT ?= 8501

.PHONY: run test lint bench bench-browser bench-quick demo-db clean-db

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The tests' OpenID provider (tools/oidc_provider, panva/oidc-provider): npm ci writes node_modules/.package-lock.json.
OIDC_PROVIDER := tools/oidc_provider/node_modules/.package-lock.json
$(OIDC_PROVIDER): tools/oidc_provider/package-lock.json
	cd tools/oidc_provider && npm ci --no-audit --no-fund --loglevel=error

$(DB): | $(VENV)/.runtime
	YSE_DB=$(DB) $(PY) -m yse_core init --demo

demo-db: $(DB)

run: $(VENV)/.runtime $(DB)
	YSE_DB=$(DB) $(PY) -m ui.serve --server.port $(PORT) --server.address localhost

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

test: $(VENV)/.dev $(OIDC_PROVIDER)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

# The AppTest bench (server-side reruns, both scales), then the browser bench (what a person waits for).
bench: $(VENV)/.dev
	$(PY) -m tools.bench
	$(MAKE) bench-browser

bench-browser: $(VENV)/.dev
	$(PY) -m tools.bench_browser

# Browser bench only, demo scale, 3 runs per figure: a few minutes (bench-results/browser.json).
bench-quick: $(VENV)/.dev
	$(PY) -m tools.bench_browser --quick

clean-db:
	rm -f $(DB) $(DB)-wal $(DB)-shm
