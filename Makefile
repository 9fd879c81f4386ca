# Two commands for a new user: `make lab` and `make test`. Each prepares its own .venv.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test test-browser book bench clean system-deps browser-deps i18n notebooks

# Debian / Ubuntu packages: Tesseract OCR with French and Arabic data (AutoProcessor's apply_ocr), espeak-ng
# (the course pack's speech clips) and fonts with Arabic glyphs (its document images).
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-fra tesseract-ocr-ara espeak-ng fonts-noto-core fonts-dejavu-core
system-deps:
	@if tesseract --list-langs 2>/dev/null | grep -qx ara && tesseract --list-langs 2>/dev/null | grep -qx fra \
	    && command -v espeak-ng >/dev/null && [ -f /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "Please install: $(SYSTEM_PACKAGES)"; exit 1; fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU-only torch: the pinned version resolves to a CPU wheel on the course machines.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,lab,book,browser]"
	touch $(STAMP)

# The lessons are copied into ~/autotutor-course/$(COURSE_LANG)/ (your edits there survive course updates) and
# opened in JupyterLab in that language: `make lab COURSE_LANG=fr` or `COURSE_LANG=ar`. See `autotutor lab --help`.
COURSE_LANG ?= en
lab: $(STAMP) system-deps
	$(VENV)/bin/autotutor lab --lang $(COURSE_LANG)

# Debian's chromium for the browser tests; Playwright drives it by path and never downloads a browser.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	else echo "Please install Debian's chromium package"; exit 1; fi

# pytest also runs every generated notebook with nbval (see pyproject.toml). A learner's AUTOTUTOR_LANG would
# change the messages the tests compare, so it is left out.
test: $(STAMP) system-deps
	env -u AUTOTUTOR_LANG $(PY) -m pytest --ignore=tests/browser

# What a person sees: the built site in each language, and the live widgets in JupyterLab, in real chromium.
test-browser: $(STAMP) system-deps browser-deps book
	env -u AUTOTUTOR_LANG $(PY) -m pytest tests/browser

# The course website (book/README.md): book/_build/html/{en,fr,ar}/ and a page to pick a language. The widget
# JavaScript comes from npm (book/package-lock.json) and is served by the site itself; npm runs again only
# when the lock file changes. build.py fails on any Sphinx warning and on any broken link.
book/node_modules/.package-lock.json: book/package.json book/package-lock.json
	@command -v npm >/dev/null || { echo "The course website needs Node.js and npm (Debian: apt-get install npm)"; exit 1; }
	npm ci --prefix book --ignore-scripts --no-audit --no-fund

book: $(STAMP) book/node_modules/.package-lock.json
	$(PY) book/build.py

# Catalogs: extract the English messages, bring locales/{en,fr,ar} up to date, then check them (the check also
# compiles each catalog, in memory; `autotutor i18n compile` writes .mo files for other tools).
i18n: $(STAMP)
	$(VENV)/bin/autotutor i18n update
	$(VENV)/bin/autotutor i18n check

# Generate notebooks/{en,fr,ar}/ from lessons/ and the catalogs, and run each one so it stores its outputs.
notebooks: $(STAMP)
	$(VENV)/bin/autotutor i18n notebooks

bench: $(STAMP)
	$(PY) benchmarks/run.py

# A classroom on this machine: a local JupyterHub starts 5, 10 and 20 students at once and each runs two lessons
# (benchmarks/hub_load.py; results in benchmarks/RESULTS.md). Slow, and never part of `test`. It adds only the
# `hub` extra to .venv; the proxy comes from npm into benchmarks/_work/, which git ignores.
# HUB_LOAD_ARGS="--students 2 --no-write" makes a quick try.
.PHONY: hub-load
HUB_PROXY := benchmarks/_work/node_modules/.bin/configurable-http-proxy
hub-load: $(STAMP) system-deps
	$(PY) -m pip install -q -e ".[hub]"
	[ -x $(HUB_PROXY) ] || npm install --prefix benchmarks/_work --no-audit --no-fund configurable-http-proxy@5
	$(VENV)/bin/autotutor pack install
	$(PY) benchmarks/hub_load.py $(HUB_LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
