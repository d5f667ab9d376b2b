# liqcascade — the two commands: `make demo` and `make test`.
# Each creates .venv if needed and installs the package (with its dev, live and
# distributed extras) before running.

PY ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= report
JOBS ?= 2

.PHONY: demo test test-floor lint typecheck warm bench browser venv clean

# The declared dependency floors, tested: a second venv with every direct dependency
# pinned at its pyproject.toml floor (tools/floor-constraints.txt) on Python 3.11, the
# floor Python (scipy 1.11.1 has no wheels past 3.11, numpy 1.26.0 none past 3.12). Not part
# of `make test`. No mypy here: pandas-stubs 3 types against numpy 2's stubs, and at numpy
# 1.26 mypy reports the stubs' errors (docs/design.md, "Dependency floors").
FLOOR_PY ?= $(shell command -v python3.11 2>/dev/null)
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed-stamp

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "error: Python 3.11 or newer is required" >&2; exit 2; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,live,distributed]'
	@touch $(STAMP)

$(FLOOR_STAMP): pyproject.toml tools/floor-constraints.txt
	@test -n "$(FLOOR_PY)" || { echo "error: python3.11 is required for the floors (or set FLOOR_PY)" >&2; exit 2; }
	@test -x $(FLOOR_VENV)/bin/python || $(FLOOR_PY) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install -q --upgrade pip
	$(FLOOR_VENV)/bin/python -m pip install -q -c tools/floor-constraints.txt \
		--build-constraint tools/floor-constraints.txt -e '.[dev,live,distributed]'
	@touch $(FLOOR_STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/liqcascade report --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

# Headless Chromium for the report's browser test, from Debian's packages.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "warning: chromium and chromedriver not installed; the browser test will be skipped" >&2; fi

# --dist worksteal: each worker starts on one contiguous half of the tests, and an idle one
# takes half of what the other has left, from its end. With the default `load` the tests
# went out in ever smaller chunks, and each chunk boundary that split a module made both
# workers build that module's fixtures (fitted models, replayed watch sessions).
# The checks before pytest run side by side (`-j3`, output kept per target by `-O` where
# make has it: GNU make 4; macOS's 3.81 runs them side by side unsynchronised): the
# browser's install waits on the network, mypy (about 75 CPU s with an empty cache) on one
# core, ruff takes a second; one after the other they added their times.
# pytest runs with bytecode caching on even where the environment turns it off
# (PYTHONDONTWRITEBYTECODE=1 in some images): the suite starts hundreds of interpreters
# that each import liqcascade, and without src/**/__pycache__/*.pyc every one compiles
# the package's source again (about 0.4 CPU s each).
# numba compiles each kernel on first use and caches it on disk (src/**/__pycache__). A
# clean clone has no cache, and every process of the suite that needs a kernel before its
# cache is written (two workers, the report's forked lane, the CLI subprocesses) compiles
# it again: on an idle 2-core machine pytest took 1,295 s with the cache empty and 884 s
# with it warm. `warm` builds a quick report first (61 s cold), which compiles nearly
# every kernel once: pytest after it took 1,013 s. It runs beside mypy; if it fails, the
# tests compile for themselves (and find what failed).
test: $(STAMP)
	@$(MAKE) --no-print-directory -j3 $(if $(filter output-sync,$(.FEATURES)),-O) browser lint typecheck warm
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(JOBS) --dist worksteal -p no:cacheprovider

# numba's cache of its own: .venv's numba writes the same src/**/__pycache__/*.py311.nb*
# names, and two numba versions swapping them under each other failed report tests at
# random. An absolute path: tests run commands in other folders (a relative one made a
# .venv-floor/ in tests/data/book, which a test of that folder's README then refused).
test-floor: $(FLOOR_STAMP) browser
	NUMBA_CACHE_DIR=$(CURDIR)/$(FLOOR_VENV)/numba-cache $(FLOOR_VENV)/bin/python -m pytest -n $(JOBS) --dist worksteal -p no:cacheprovider

warm: $(STAMP)
	@d=$$(mktemp -d) && env -u PYTHONDONTWRITEBYTECODE LIQCASCADE_STORE=$$d/none.duckdb \
		$(BIN)/liqcascade -q report --quick --out $$d/report >/dev/null 2>$$d/err \
		|| { echo "warning: the warm-up report failed (the tests compile the kernels themselves):" >&2; tail -3 $$d/err >&2; }; \
		rm -rf $$d

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(FLOOR_VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
