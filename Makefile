# Two commands: `make all` (build data, run every lab, write the results table) and `make test`.
# Both create .venv when missing and install the course into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export MPLBACKEND ?= Agg

.PHONY: all test install sandbox-tool browser-tool data run results check release clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed sandbox-tool browser-tool

# bubblewrap sandboxes every autograded notebook (common/grading/sandbox.py).
sandbox-tool:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q bubblewrap || { apt-get update -q && apt-get install -y -q bubblewrap; }; \
	  else \
	    echo "bubblewrap (bwrap) is needed to sandbox graded notebooks: install it with \`sudo apt-get install bubblewrap\` (or your system's package)."; \
	  fi; }

# headless Chromium drives the leaderboard server's browser test (tests/leaderboard_server).
browser-tool:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q chromium chromium-driver || { apt-get update -q && apt-get install -y -q chromium chromium-driver; }; \
	  else \
	    echo "chromium and chromium-driver are needed by the leaderboard's browser test: install them with \`sudo apt-get install chromium chromium-driver\` (or your system's packages)."; \
	  fi; }

data: install
	dlmia data build --all

run: data
	dlmia run --all
	dlmia leaderboard demo --out runs/leaderboard

results:
	dlmia results --readme

all: run results

check: data
	dlmia grade check

release: install
	dlmia grade release

test: data
	$(BIN)/python -m pytest -n 2 --dist worksteal --durations=15

clean:
	rm -rf runs build *.egg-info .pytest_cache
