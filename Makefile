# Community Pulse — everything needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: install run test lint refresh bench bench-pages browser clean

install: $(STAMP)

# Re-install whenever the lock file changes.
$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $(STAMP)

run: install
	$(BIN)/python -m pipelines demo --if-empty
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.headless true

# Debian's chromium drives the real-browser tests; install it when missing and we may.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing and cannot be installed here: browser tests will be skipped"; \
		fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install browser lint
	$(BIN)/python -m pytest

refresh: install
	$(BIN)/python -m pipelines refresh

# The 1,000,000-message ingest, then each page's data on 100,000 members / 10,000,000 activities.
bench: install
	$(BIN)/python -m tests.benchmarks.ingest
	$(BIN)/python -m tests.benchmarks.pages

# Only the pages: the generated community is kept in /tmp/pulse-bench-pages and reused.
bench-pages: install
	$(BIN)/python -m tests.benchmarks.pages

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
