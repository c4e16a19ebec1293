# Two commands: `make demo` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= scr.db
PORT ?= 8001
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test lint bench browser corpus clean

setup: $(STAMP)

# The CPU build of torch goes in first, from its pinned version: an open range would pull a
# multi-GB CUDA build. Everything else is pinned by constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Debian's chromium, for the browser tests (the machine has no browser of its own).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: setup
	$(BIN)/scr-miner doctor
	$(BIN)/scr-miner run corpus/pdfs --db $(DB) --manifest corpus/manifest.csv --jobs 2
	$(BIN)/scr-miner info --db $(DB)
	$(BIN)/scr-miner serve --db $(DB) --port $(PORT)

lint: setup
	$(BIN)/ruff check scr_miner tests benchmarks corpus

test: lint browser
	$(BIN)/pytest -q -p no:cacheprovider

# Every benchmark; the end-to-end run at a modest scale (make bench E2E_REVIEWS=1000 for the
# full 37,000-page run; E2E_EMBEDDINGS=static for the distilled table). Generated PDFs stay in
# benchmarks/.data/.
E2E_REVIEWS ?= 20
E2E_EMBEDDINGS ?= minilm
bench: setup
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/classify.py
	$(PY) benchmarks/search.py
	$(PY) benchmarks/embeddings.py
	$(PY) benchmarks/e2e.py --reviews $(E2E_REVIEWS) --embeddings $(E2E_EMBEDDINGS)

corpus: setup
	$(PY) corpus/build.py

clean:
	rm -rf $(VENV) $(DB) build *.egg-info
