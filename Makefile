# Newsroom: `make run` serves the demo portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := newsroom.settings

.PHONY: install run demo test test-sqlite lint fmt check messages clean bench screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debug mode on loopback: uploaded media is served and no secret is needed. No internet is
# assumed: the weather comes from the demo provider. A worker beside the server runs the
# background work (renditions, mails, bans) and the schedule (weather refresh, ...).
run: export DEBUG ?= true
run: export WEATHER_PROVIDER ?= demo
# The demo logins (password in README) work without a phone: no second factor required.
run: export OTP_REQUIRED ?= false
# Another port: `PORT=8010 make run`; links in e-mails follow it (settings.SITE_URL).
run: export PORT ?= 8000
run: install
	@$(BIN)/python -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $(PORT)))" 2>/dev/null \
		|| { echo "Port $(PORT) is taken. Choose another one, e.g.: PORT=8010 make run"; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Newsroom runs on http://127.0.0.1:$(PORT)/"
	@echo "  Admin: http://127.0.0.1:$(PORT)/admin/ (a login for each role above)"
	@echo "  The error pages readers see: http://127.0.0.1:$(PORT)/404/ and /500/"
	@echo ""
	$(BIN)/python manage.py worker --schedule --no-reload -v0 & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on SQLite and on a throwaway PostgreSQL 15 cluster (scripts/test.sh).
test: install
	bash scripts/test.sh

test-sqlite: install
	$(BIN)/pytest

# Speed of the reading pages on a 100,000-article archive, direct and through Varnish
# (scripts/bench.sh; needs wrk and varnishd; BENCH_SECONDS, BENCH_DB=postgres).
bench: install
	bash scripts/bench.sh

# Full-page screenshots of the demo portal (home, a category, an article; phone and desktop)
# into docs/screenshots/ (scripts/screenshots.py; needs Debian's chromium).
screenshots: install
	$(BIN)/python scripts/screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	SECRET_KEY=check-only DEBUG=false $(BIN)/python manage.py check
	SECRET_KEY=check-only DEBUG=false $(BIN)/python manage.py makemigrations --check --dry-run

# German translations: the project's (locale/) and each app's own (<app>/locale/).
messages: install
	$(BIN)/python manage.py makemessages -l de --no-obsolete --ignore=.venv --ignore=.tools \
		--ignore=staticfiles --ignore=media --ignore=tests --ignore=ads --ignore=weather \
		--ignore=redirects --ignore=wordpress --ignore=notifications --ignore=jobs
	cd ads && ../$(BIN)/django-admin makemessages -l de --no-obsolete
	cd weather && ../$(BIN)/django-admin makemessages -l de --no-obsolete
	cd redirects && ../$(BIN)/django-admin makemessages -l de --no-obsolete
	cd wordpress && ../$(BIN)/django-admin makemessages -l de --no-obsolete
	cd notifications && ../$(BIN)/django-admin makemessages -l de --no-obsolete
	cd jobs && ../$(BIN)/django-admin makemessages -l de --no-obsolete
	$(BIN)/python manage.py compilemessages -l de --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) staticfiles var
