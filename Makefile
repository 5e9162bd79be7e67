# The portal's two commands: `make run` serves it, `make test` runs the whole suite.
# Both set up what they need: a virtualenv in .venv, and on Debian, when run as root,
# the system packages that WeasyPrint, the fonts and the browser tests need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Pango for WeasyPrint, HarfBuzz's subsetter (fonts embedded in PDFs in a fraction of a
# second instead of seconds), Noto fonts for Chinese and Tibetan, gettext for catalogues.
RUN_PACKAGES := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-noto-core fonts-noto-cjk gettext
# Debian's Chromium for the browser tests; poppler to look at rendered PDFs; LibreOffice
# Calc to open exported sheets as a reader's spreadsheet program would.
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils libreoffice-calc

.PHONY: run test lint hooks messages catalogues migrate seeds print-fonts webfont system-packages-run system-packages-test clean

run: system-packages-run $(VENV)/.runtime messages migrate seeds print-fonts
	$(PY) manage.py runserver $(HOST):$(PORT)

test: system-packages-test $(VENV)/.dev hooks messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev hooks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# The pre-commit hook in .githooks/ runs what `lint` checks on the staged files, so that a
# commit does not break what CI checks. Installed only where this folder is a git checkout
# of its own; a set-up that cannot install it goes on without it.
hooks:
	@if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		git config core.hooksPath .githooks || echo "The pre-commit hook was not installed."; \
	fi

messages: $(VENV)/.runtime
	$(PY) manage.py compilemessages --ignore=.venv -v 0

# After changing interface text: refresh the catalogues, then translate the new entries
# (mark every Tibetan one "# Needs review by a native reader.").
catalogues: $(VENV)/.runtime
	$(PY) manage.py makemessages -l zh_Hans -l bo -l en --no-location -v 0 \
		-i ".venv/*" -i "seeds/*" -i "tests/*" -i "bench/*"
	for po in locale/*/LC_MESSAGES/django.po; do msgattrib --no-obsolete -o $$po $$po; done

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input -v 1

seeds: $(VENV)/.runtime
	$(PY) manage.py load_seeds

# The print fonts' cut-down copies, made here so that no one's first print run waits for them.
print-fonts: $(VENV)/.runtime
	$(PY) manage.py prepare_print_fonts

# The Tibetan webfont of the pages (static/fonts/, committed): Noto Serif Tibetan Regular cut
# down to the Tibetan block, as WOFF2. Run again only to update it; keep OFL.txt beside it.
TIBETAN_FONT := /usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf
webfont: system-packages-run $(VENV)/.dev
	$(VENV)/bin/pyftsubset $(TIBETAN_FONT) --unicodes="U+0F00-0FFF,U+200C-200D,U+25CC" \
		--layout-features='*' --name-IDs='0,1,2,3,4,5,6,13,14' --flavor=woff2 \
		--output-file=static/fonts/noto-serif-tibetan-400.woff2

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

system-packages-run:
	@.ci/system-packages $(RUN_PACKAGES)

system-packages-test:
	@.ci/system-packages $(TEST_PACKAGES)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache test-artifacts
	find . -name '*.mo' -not -path './.venv/*' -delete
