# Chinese newspaper typesetting: make pdf | epub | proof | png | test | archive | bench | fuzz
# Every target installs what it needs: the Python venv and the Debian packages.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
SOURCES  := $(wildcard source/*.xml)
STEMS    := $(patsubst source/%.xml,%,$(SOURCES))
PDFS     := $(patsubst %,build/%.pdf,$(STEMS))
EPUBS    := $(patsubst %,build/%.epub,$(STEMS))
PACKAGE  := $(shell find layout -name '*.py' -o -name '*.rng') fonts/manifest.toml pyproject.toml
DEBS     := fonts-noto-cjk fonts-lxgw-wenkai poppler-utils epubcheck default-jre-headless
SEED     := source/000_024ecb8943099354.original.txt

.PHONY: all setup debs pdf epub proof png test lint archive bench fuzz compare clean
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

proof: setup
	@mkdir -p build/proof
	$(PY) -m layout pdf --proof $(SOURCES) -o build/proof

png: pdf
	for f in $(PDFS); do pdftoppm -r 72 -png $$f $${f%.pdf}; done

compare: setup
	$(PY) -m layout compare source/000_024ecb8943099354.xml --original $(SEED)

archive: setup
	$(PY) -m layout archive source -o build/archive

test: setup
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
