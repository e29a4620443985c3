# Two commands: `make all` (build data, run every lab, write the results table) and `make test`.
# Both create .venv when missing and install the course into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export MPLBACKEND ?= Agg

.PHONY: all test install data run results check release clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

data: install
	dlmia data build --all

run: data
	dlmia run --all

results:
	dlmia results --readme

all: run results

check: data
	dlmia grade check

release: install
	dlmia grade release

test: data
	$(BIN)/python -m pytest -n 2 --durations=15

clean:
	rm -rf runs build *.egg-info .pytest_cache
