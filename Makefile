# Lvzhi: `make run` serves the demo, `make test` runs the whole suite (browser tests included).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= lvzhi.settings

.PHONY: run serve test test-pg check bench install install-dev assets browser migrate demo clean gettext messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime assets
install-dev: $(VENV)/.dev assets
assets: node_modules/.installed

# Debian's chromium (Playwright drives it; never `playwright install`) and a CJK font so
# screenshots show Chinese.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'cjk'; then \
		echo "安装 chromium 与中文字体 …"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# Translations: the Chinese strings are the source, lvzhi/locale/en the English catalogue.
# `make messages` extracts new strings into the .po (fill in every msgstr, no fuzzy entries:
# a test checks) and compiles the .mo. The .mo is committed, so running the site needs no
# gettext; only this target does, and installs it when missing.
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=test-artifacts --ignore='*/tests/*'

gettext:
	@if ! command -v msgfmt >/dev/null 2>&1; then \
		echo "安装 gettext …"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	fi

messages: $(VENV)/.runtime gettext
	$(BIN)/python manage.py makemessages -l en --no-obsolete --add-location=file $(MAKEMESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

# Large imports run in the background: django-tasks' database backend, and its worker
# (`db_worker`) started beside gunicorn and stopped with it.
run: export LVZHI_TASKS_BACKEND = django_tasks_db.DatabaseBackend
run: demo
	@$(BIN)/python manage.py demo_logins
	@echo "履职平台已启动: http://$(HOST):$(PORT)/   (Ctrl+C 停止)"
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker --interval 0.5 >>"$${LVZHI_VAR_DIR:-var}/worker.log" 2>&1 & \
	$(BIN)/gunicorn lvzhi.wsgi:application --bind $(HOST):$(PORT) --workers 3 --threads 2 --access-logfile - --log-level warning

test: install-dev browser
	bash scripts/pytest.sh

test-pg: install-dev browser
	bash scripts/pytest-pg.sh

check: install-dev
	$(BIN)/ruff format --check lvzhi conftest.py
	$(BIN)/ruff check lvzhi conftest.py
	$(BIN)/mypy lvzhi
	DJANGO_SETTINGS_MODULE=lvzhi.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# The benchmarks the issues ask for, on SQLite and then on PostgreSQL 15 (about 25 minutes;
# LVZHI_BENCH_SCALE=0.1 for a tenth of the data, LVZHI_BENCH_ONLY=figures,import to pick).
bench: install-dev
	$(BIN)/python -m lvzhi.bench
	bash scripts/bench-pg.sh

clean:
	rm -rf $(VENV) node_modules var/static
