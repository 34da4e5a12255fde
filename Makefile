# XiaoBao: the two commands are `make demo` and `make test` (README). Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP_BASE := $(VENV)/.installed-base
STAMP_DEV := $(VENV)/.installed-dev
DEMO_ENV := XIAOBAO_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-dev lint format lock messages clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP_BASE): requirements/base.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements/base.lock
	touch $@

$(STAMP_DEV): requirements/dev.lock $(STAMP_BASE)
	$(PIP) install --quiet --require-hashes -r requirements/base.lock -r requirements/dev.lock
	touch $@

install: $(STAMP_BASE)
install-dev: $(STAMP_DEV)

## make demo: install, migrate, load demo data, run web server + worker (SQLite, no servers needed)
demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_demo
	$(DEMO_ENV) HOST=$(HOST) PORT=$(PORT) PY=$(PY) sh scripts/demo.sh

## make test: install and run the whole suite (lint, layering, pytest on SQLite and PostgreSQL)
test: install-dev
	$(PY) scripts/run_tests.py $(ARGS)

lint: install-dev
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(VENV)/bin/lint-imports

format: install-dev
	$(PY) -m ruff check --fix . && $(PY) -m ruff format .

## make lock: re-pin dependencies after editing requirements/*.in
lock: install-dev
	$(PIP) install --quiet pip-tools
	cd requirements && ../$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o base.lock base.in
	cd requirements && ../$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o dev.lock dev.in

## make messages: refresh the English catalogue after adding or changing interface text (needs GNU gettext).
## Then translate the new and changed entries in locale/en/LC_MESSAGES/django.po (no "fuzzy" left), run it
## again to compile, and commit both django.po and django.mo. tests/core/test_translations.py checks all this.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks --ignore=scripts --ignore=static/vendor
messages: install
	$(DEMO_ENV) $(PY) manage.py makemessages -l en --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(DEMO_ENV) $(PY) manage.py compilemessages -l en $(MESSAGES_IGNORE)

bench: install-dev
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf var/*.sqlite3* var/celery* var/staticfiles
