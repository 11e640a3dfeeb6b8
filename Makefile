# Two commands for users: `make lab` opens the lessons, `make test` runs every test.
# Each target creates .venv on first use and installs what it needs into it, nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8888

.PHONY: lab test bench book site e2e clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per set of extras, remade when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	touch $@

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: $(VENV)/.installed-notebook
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --notebook-dir=notebooks $(ALLOW_ROOT)

test: $(VENV)/.installed-test
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py

# The lessons run and exported to HTML in book/, with book/index.html listing them in order;
# each widget shows as its static picture, which needs no kernel and no network.
book: $(VENV)/.installed-notebook
	$(BIN)/python -m micrograd_plus.book book notebooks

# The lessons in the browser with nothing installed: a static JupyterLite site in site/ (Pyodide,
# the package, ipywidgets and a WebAssembly Graphviz served from the site itself). Needs npm.
site: $(VENV)/.installed-site
	$(BIN)/python -m micrograd_plus.site site notebooks

# The widgets in a real browser: JupyterLab driven through Debian's Chromium
# (`apt-get install chromium`); screenshots land in e2e-screenshots/.
e2e: $(VENV)/.installed-test $(VENV)/.installed-e2e $(VENV)/.installed-site
	MICROGRAD_PLUS_E2E=1 $(BIN)/python -m pytest -m e2e tests/e2e

clean:
	rm -rf $(VENV) book site build .pytest_cache .hypothesis
