# The two commands: `make run` serves the site with its worker; `make test` runs every test.
# Both install what they need into .venv first, and do nothing more when nothing changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WEB_PORT ?= 8000
export WEB_PORT

.DEFAULT_GOAL := help
.PHONY: help install install-dev browser test-tools run serve test lint format migrate demo bench clean

help:
	@echo "make run    install, migrate, load demo content, serve on http://127.0.0.1:$(WEB_PORT)/ with a worker"
	@echo "make test   install with test tools, then lint, migration check and the whole test suite"
	@echo "make serve  production stack (gunicorn + worker + beat); needs DJANGO_ENV=production settings"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make bench  article page and posting speed for discussions of 100 to 10,000 comments, posting and pages under HTTP load"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Chromium for the browser tests, from the system's packages; never a downloaded browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "chromium could not be installed: browser tests will skip"; \
	  else echo "chromium is not installed and cannot be installed here: browser tests will skip"; fi; }

# pg_dump and pg_restore (the backup scripts' test) and nginx (the deployment's site in
# front of gunicorn), from the system's packages, like chromium above.
test-tools:
	@command -v pg_dump >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client nginx >/dev/null) \
	      || echo "postgresql-client or nginx could not be installed: their tests will skip"; \
	  else echo "pg_dump or nginx is missing and cannot be installed here: their tests will skip"; fi; }

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "  Site:      http://127.0.0.1:$(WEB_PORT)/"
	@echo "  Admin:     http://127.0.0.1:$(WEB_PORT)/admin/  (moderator / moderator-demo-password)"
	@echo "  Emails:    written by the worker to var/mail/ (unless EMAIL_HOST is set)"
	@echo "  Ctrl-C stops the web server, the worker and beat together."
	@echo ""
	$(BIN)/honcho -f platform/deploy/Procfile.dev -d . start

serve: install
	DJANGO_ENV=production $(BIN)/python manage.py migrate --no-input
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --no-input -v0
	DJANGO_ENV=production $(BIN)/honcho -f platform/deploy/Procfile -d . start

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-dev browser test-tools lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Speed of the article page and of posting for discussions of 100, 1,000 and 10,000 comments,
# anonymous posting over HTTP to gunicorn under load (PostgreSQL only), and pages under HTTP
# load (wrk, from the system's packages), on the database DATABASE_URL names (throwaway
# articles, removed afterwards). BENCH_ARGS="--posts 0" skips the posting load.
bench: install-dev migrate
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || echo "wrk could not be installed: the HTTP figures will skip"; \
	  else echo "wrk is not installed and cannot be installed here: the HTTP figures will skip"; fi; }
	DJANGO_DEBUG=false $(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
