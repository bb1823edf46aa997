# K-means Explorer. Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint unit app e2e bench loadtest install install-dev browser clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	@echo "K-means Explorer: open http://localhost:$(PORT) in a browser (Ctrl+C stops it)"
	$(VENV)/bin/streamlit run app.py --server.headless true --server.port $(PORT)

# Debian's chromium for the end-to-end tests (Playwright cannot download browsers here).
browser:
	@bash scripts/ensure_browser.sh

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev browser lint
	$(PY) -m pytest -n 2 --dist loadgroup tests

bench: install-dev
	$(PY) bench/run_bench.py

loadtest: install-dev
	$(PY) bench/load_test.py

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
