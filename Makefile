# Jobbro: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.jobbro-installed
VENDOR := portal/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install assets browser setup port-free loadtest soak proxy lock

port-free:
	@$(PYTHON) -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	  free = not s.connect_ex(("$(HOST)", $(PORT))) == 0; \
	  sys.exit(0 if free else "port $(PORT) on $(HOST) is already in use: stop what runs there, or choose another port: make run PORT=$(shell expr $(PORT) + 1)")'


# The portal plus the indexer, mail and webhook workers and the scheduled jobs' loop beside it
# (retention, hotline-reminders, hours-reminders when due, as cron would: portal/scheduler.py),
# stopped together with Ctrl-C. The port is checked first, so a busy port is reported before
# minutes of set-up.
# Beside them, once: the demo's seeded decisions get the matcher's own facts (portal.demo.facts:
# a few minutes of CPU on the first start, nothing afterwards; until then they show no band).
run: port-free install assets setup
	@$(VENV)/bin/flask --app portal logins --url http://$(HOST):$(PORT)
	@$(PY) -m indexer run & worker=$$!; \
	$(VENV)/bin/flask --app portal mail send --loop & mailer=$$!; \
	$(VENV)/bin/flask --app portal webhooks send --loop & webhooks=$$!; \
	$(VENV)/bin/flask --app portal scheduled-jobs --loop & scheduler=$$!; \
	$(PY) -m portal.demo.facts & facts=$$!; \
	trap 'kill $$worker $$mailer $$webhooks $$scheduler $$facts 2>/dev/null; wait $$worker $$mailer $$webhooks $$scheduler $$facts 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/flask --app portal run --host $(HOST) --port $(PORT)

# Migrate, seed the demo data into an empty database, then index what is pending
# (the first time: every demo citizen and opening, a few minutes with the e5 model;
# afterwards only what changed, in seconds).
setup: install
	$(VENV)/bin/flask --app portal setup
	$(PY) -m indexer drain

# The suite runs on every core (pytest-xdist; a test file stays on one worker, so its
# module fixtures are built once). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install assets browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

install: $(STAMP)

# torch first and pinned: the CPU wheel on this machine's disk; a bare `torch` pulls CUDA.
# Every other package at the version constraints.txt names (the image installs the same).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Resolve pyproject.toml's dependencies afresh into constraints.txt (after changing them).
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/pip install --quiet torch==2.13.0
	$(LOCK_VENV)/bin/pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; $(LOCK_VENV)/bin/pip freeze --exclude-editable | grep -v '^torch=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf $(LOCK_VENV)

assets: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/dkfds
	cp -r node_modules/dkfds/dist/css node_modules/dkfds/dist/js node_modules/dkfds/dist/fonts node_modules/dkfds/dist/img $(VENDOR)/dkfds/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/swagger-ui && cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	touch $(VENDOR_STAMP)

# Debian's chromium for the browser tests (never `playwright install`: no downloads here)
# and docker-compose to validate docker-compose.yml.
DEBIAN_TEST_PACKAGES := chromium docker-compose
browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages for the tests:$$missing (sudo apt-get install -y$$missing)"; fi; \
	fi

# The load test (not part of `make test`): a copy of the demo served by gunicorn on
# loopback, locust's journeys per role for MINUTES, then the figures (JSON last).
USERS ?= 20
MINUTES ?= 5
LOAD_VENV := .venv-load
loadtest: setup $(LOAD_VENV)/.installed proxy
	$(PY) -m loadtest.run --users $(USERS) --minutes $(MINUTES) $(if $(DATABASE),--database $(DATABASE)) $(if $(PROXY),--proxy $(PROXY))

# nginx for `make loadtest PROXY=nginx` (a deployment's reverse proxy in front of gunicorn).
proxy:
	@if [ "$(PROXY)" = "nginx" ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  else echo "missing Debian package for PROXY=nginx: nginx-light (sudo apt-get install -y nginx-light)"; fi; \
	fi

# The soak (not part of `make test`): the load test for MINUTES (30 unless given) with the
# indexer, mail and webhook workers beside it and edits flowing; every process's memory is
# sampled and the index compared with the database at the end (table, then JSON last).
soak: MINUTES = 30
soak: setup $(LOAD_VENV)/.installed
	$(PY) -m loadtest.soak --users $(USERS) --minutes $(MINUTES) $(if $(DATABASE),--database $(DATABASE))

# locust (and gevent) in a virtualenv of their own: the portal and its tests never load them.
$(LOAD_VENV)/.installed: loadtest/requirements.txt
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet -r loadtest/requirements.txt
	touch $@
