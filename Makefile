# K-means Explorer. Two commands from a fresh clone: `make run` and `make test`.
# Python 3.11 (numpy 2.4 is pinned); override with `make PYTHON=/path/to/python3.11 ...`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# `make class`: app processes behind HAProxy (default: one per core).
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_ARGS ?=

.PHONY: run class test lint unit unit-second-blas app e2e bench loadtest install install-dev browser haproxy clean

# The virtualenv; stamp files re-install whenever a requirements file changes.
$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "No python3.11 / python3 found: install Python 3.11." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# plotly.js for the Explorer's browser component, served by the app at /app/static (no CDN).
static/plotly.min.js: $(VENV)/.installed
	$(PY) -m kmeans_app.explorer.static

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed static/plotly.min.js
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed static/plotly.min.js
install-dev: $(VENV)/.installed-dev

# scripts/serve.py is `streamlit run app.py` plus a fix for deep links on a fresh server.
run: install
	@echo "K-means Explorer: open http://localhost:$(PORT) in a browser (Ctrl+C stops it)"
	$(PY) scripts/serve.py --server.headless true --server.port $(PORT)

# Debian's chromium for the end-to-end tests (Playwright cannot download browsers here).
browser:
	@bash scripts/ensure_browser.sh

# Debian's haproxy for the class server and its tests.
haproxy:
	@bash scripts/ensure_haproxy.sh

# A room: REPLICAS app processes behind HAProxy on one URL (scripts/class_server.py).
class: install haproxy
	$(PY) scripts/class_server.py --port $(PORT) --replicas $(REPLICAS)

lint: install-dev
	$(VENV)/bin/ruff check .

# Every test; pytest's exit code 5 ("no tests collected") fails like any other.
test: install-dev browser haproxy lint
	@mkdir -p test-artifacts
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS) tests
	@$(MAKE) --no-print-directory unit-second-blas

# The core tests again under a second OpenBLAS kernel set (Sandybridge runs on any x86-64
# CPU with AVX), so a tolerance that only holds for one kernel fails here first, not on CI.
unit-second-blas: install-dev
	@if [ "$$(uname -m)" = x86_64 ]; then \
	  echo "Core tests under OPENBLAS_CORETYPE=Sandybridge"; \
	  OPENBLAS_CORETYPE=Sandybridge $(PY) -m pytest -n 2 -q $(PYTEST_ARGS) tests/core; \
	else echo "Not x86-64: no second OpenBLAS kernel set"; fi

unit: install-dev
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS) tests/core

app: install-dev
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS) tests/app

e2e: install-dev browser haproxy
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS) tests/e2e

bench: install-dev browser
	$(PY) bench/run_bench.py --rounds 3
	@# the fixed-iteration fits again on two OpenBLAS kernel sets (x86-64 only), each in its own section
	@if [ "$$(uname -m)" = x86_64 ]; then for ct in Haswell Sandybridge; do \
	  OPENBLAS_CORETYPE=$$ct $(PY) bench/run_bench.py --only cases_lloyd.fit_ --rounds 3 --section blas-$$ct || exit 1; \
	done; fi
	$(PY) bench/browser_bench.py

# The class server under 30 simulated students: docs/load-class.md and docs/load.md (about 12 minutes).
loadtest: install-dev haproxy
	$(PY) bench/load_test.py --suite

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .ruff_cache .hypothesis
