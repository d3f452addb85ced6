PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The console (web/): built by Node.js 20 when its sources are newer than the bundle.
WEB := web
WEB_STAMP := $(WEB)/node_modules/.installed
WEB_BUNDLE := $(WEB)/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) \
	$(addprefix $(WEB)/,index.html package.json package-lock.json vite.config.ts tsconfig.json)
CHROMIUM := /usr/bin/chromium

# Node.js 20.19 or newer, or a message saying what to install.
define check_node
	@version=$$(node --version 2>/dev/null | sed 's/^v//'); \
	major=$${version%%.*}; rest=$${version#*.}; minor=$${rest%%.*}; \
	if [ -z "$$version" ] || [ "$$major" -lt 20 ] || { [ "$$major" -eq 20 ] && [ "$$minor" -lt 19 ]; }; then \
		echo "node $${version:-not found}: the console needs Node.js 20 (20.19 or newer):" \
			"install it (e.g. apt-get install nodejs) and run make again" >&2; \
		exit 1; \
	fi
endef

.PHONY: serve test install web lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(WEB_STAMP): $(WEB)/package-lock.json
	$(check_node)
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

$(WEB_BUNDLE): $(WEB_SOURCES) | $(WEB_STAMP)
	$(check_node)
	cd $(WEB) && npm run --silent build
	touch $(WEB_BUNDLE)

web: $(WEB_BUNDLE)

# The end-to-end tests drive Debian's Chromium; a root shell (CI) installs it.
$(CHROMIUM):
	@if [ "$$(id -u)" -ne 0 ]; then \
		echo "$(CHROMIUM) is missing: the end-to-end tests need Debian's Chromium:" \
			"run 'sudo apt-get update && sudo apt-get install -y chromium' and make again" >&2; \
		exit 1; \
	fi
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null

serve: $(STAMP) $(WEB_BUNDLE)
	$(BIN)/metergraph serve

test: $(STAMP) $(WEB_BUNDLE) | $(CHROMIUM)
	cd $(WEB) && npx vitest run
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP) $(WEB_BUNDLE) | $(CHROMIUM)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/aggregate.py
	$(BIN)/python bench/invoices.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV) .metergraph $(WEB)/dist $(WEB)/node_modules
