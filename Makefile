# Palisade: `make run` serves the app with demo data; `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# System libraries WeasyPrint needs (Debian/Ubuntu names); installed when running as root with apt.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core

.PHONY: run test test-only bench-load install install-dev system-deps migrate seed bench lock clean federation-demo

# The web server and the background worker together; Ctrl-C stops both.
run: install migrate
	$(FLASK) pki init
	$(FLASK) seed-if-empty
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev test-only

# Tests run on every core (pytest-xdist; on PostgreSQL each worker has a database of its own).
PYTEST_WORKERS ?= auto
test-only:
	$(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

install: system-deps $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	touch $@

install-dev: install $(VENV)/.installed-dev

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    (apt-get install -o DPkg::Lock::Timeout=300 -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -o DPkg::Lock::Timeout=300 -y -qq $$missing >/dev/null)); \
	  else \
	    echo "Please install these system packages for WeasyPrint:$$missing (see README)"; \
	  fi; \
	fi

migrate: install
	$(FLASK) db upgrade

seed: install migrate
	$(FLASK) seed-demo

# Two instances that share under TLP through TAXII (README, "Exchange with other instances").
DEMO_ARGS ?=
federation-demo: install
	$(PY) bench/federation_demo.py $(DEMO_ARGS)

# Each prints the rows of the issue-25 goals table (bench/goals.py) it measures: in-process pages and statements at
# scale, the PDF storm and the executive report's second download; bench-load the served and mixed-load rows.
bench: install-dev
	$(PY) bench/pdf.py
	$(PY) bench/pages.py --in-process --scale
	$(PY) bench/renders.py

bench-load: install-dev
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-bench.txt
	$(PY) bench/pages.py
	$(PY) bench/load.py
	$(PY) bench/load.py --topology two-hosts

# The lock files (exact versions, with hashes) from the *.in files, run-time first: the dev lock is held
# to its versions, and the bench lock to the dev one. Options for pip-compile in PIP_COMPILE_ARGS, e.g.
# make lock PIP_COMPILE_ARGS="--upgrade-package flask". Settings: [tool.pip-tools] in pyproject.toml.
PIP_TOOLS ?= pip-tools==7.7.0
lock: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet "$(PIP_TOOLS)"
	$(VENV)/bin/pip-compile --quiet $(PIP_COMPILE_ARGS) requirements.in
	$(VENV)/bin/pip-compile --quiet $(PIP_COMPILE_ARGS) requirements-dev.in
	$(VENV)/bin/pip-compile --quiet $(PIP_COMPILE_ARGS) requirements-bench.in

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
