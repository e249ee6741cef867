# Lvzhi: `make run` serves the demo, `make test` runs the whole suite (browser tests included).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= lvzhi.settings

.PHONY: run serve test test-pg check bench install install-dev assets browser migrate demo clean

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

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

run: demo
	@$(BIN)/python manage.py demo_logins
	@echo "履职平台已启动: http://$(HOST):$(PORT)/   (Ctrl+C 停止)"
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

bench: install-dev
	$(BIN)/python -m lvzhi.bench

clean:
	rm -rf $(VENV) node_modules var/static
