# Every target creates .venv and installs what it needs when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-serial test-fast lint bench clean docs test-container lock i18n i18n-extract i18n-update i18n-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# requirements.lock pins every dependency to the versions the tests passed with (make lock).
# Byte-compiled at install (not --no-compile: it saves ~80 s there, but where
# PYTHONDONTWRITEBYTECODE is set, as on CI, every process then compiled TensorFlow from source
# at each import and the tests took 41 min instead of 29).
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c requirements.lock
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	touch $(STAMP)

# JAX and PyTorch, so the tests settle every claim on Keras's other backends too
# (app/engine/backends.py) and run the PyTorch twin
BACKENDS_STAMP := $(VENV)/.installed-backends
$(BACKENDS_STAMP): $(STAMP)
	$(PIP_INSTALL) -e '.[test,backends]'
	touch $(BACKENDS_STAMP)

lock: $(STAMP)
	{ sed -n '1,2p' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable \
	  | grep -v '^-e\|lstm-state-lab'; } > requirements.lock.new && mv requirements.lock.new requirements.lock

run: $(STAMP)
	$(BIN)/lstm-state-lab serve --host $(HOST) --port $(PORT)

# Browser tests use the system Chromium where there is one, else Playwright's own.
BROWSER_STAMP := $(VENV)/.browser
$(BROWSER_STAMP): $(STAMP)
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
	  echo "using system chromium"; \
	else $(BIN)/python -m playwright install chromium; fi
	touch $(BROWSER_STAMP)

# axe-core for the accessibility audit, from npm (pinned in tests/browser/a11y/package-lock.json)
AXE := tests/browser/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/a11y/package-lock.json
	npm ci --prefix tests/browser/a11y --no-audit --no-fund --loglevel=error
	touch $(AXE)

# Two test files at a time (pytest-xdist: the machine has 2 cores, and one process left it half
# idle), then alone the tests that measure time or race the server's deadlines
# (tests/conftest.py SERIAL). ~24 min instead of ~33 on a 2-core machine.
test: $(STAMP) $(BACKENDS_STAMP) $(BROWSER_STAMP) $(AXE)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not serial"
	$(BIN)/python -m pytest -m serial

# One process, in file order: slower, for reading a failure without interleaved output.
test-serial: $(STAMP) $(BACKENDS_STAMP) $(BROWSER_STAMP) $(AXE)
	$(BIN)/python -m pytest

# The editing loop: no browser, no server processes, no fuzzing (tests/conftest.py SLOW).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not browser and not slow" -q

# Translations (docs/translating.md): the English -> locales/messages.pot -> each language's
# locales/<ll>/LC_MESSAGES/messages.po (Babel's merge) -> app/i18n/<lang>/*.json, what the app reads
i18n-extract: $(STAMP)
	$(BIN)/python -m app.i18n.po extract
i18n-update: i18n-extract
	$(BIN)/python -m app.i18n.po update
i18n-compile: $(STAMP)
	$(BIN)/python -m app.i18n.po compile
i18n: i18n-update i18n-compile

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks
	$(BIN)/ruff format --check app tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/trace_speed.py
	$(BIN)/python benchmarks/trace_document.py
	$(BIN)/python benchmarks/live_latency.py
	$(BIN)/python benchmarks/browser_frames.py
	$(BIN)/python -m benchmarks.load
	$(BIN)/python -m benchmarks.limits
	$(BIN)/python -m benchmarks.restart
	$(BIN)/python benchmarks/cold_trace.py
	$(BIN)/python -m benchmarks.classroom
	$(BIN)/python -m benchmarks.slow_clients
	$(BIN)/python benchmarks/first_picture.py
	$(BIN)/python -m benchmarks.jobs

clean:
	rm -rf $(VENV) tests/browser/a11y/node_modules build *.egg-info .pytest_cache .mypy_cache .ruff_cache

docs: $(STAMP)
	$(BIN)/lstm-state-lab schema scenario > docs/scenario.schema.json
	$(BIN)/lstm-state-lab schema trace > docs/trace.schema.json
	$(BIN)/lstm-state-lab schema live > docs/live.schema.json
	$(BIN)/lstm-state-lab schema live_replies > docs/live_replies.schema.json

# A real image build and run without a Docker engine (root; podman/buildah/debootstrap).
test-container:
	bash tests/container/build_and_run.sh
