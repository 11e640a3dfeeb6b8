# Two commands for users: `make lab` opens the lessons, `make test` runs every test.
# Each target creates .venv on first use and installs what it needs into it, nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8888
# make lab's working copy of the lessons (git ignores it): answers and outputs saved there
# never touch the tracked notebooks/, so `git pull` cannot conflict with them.
LESSONS ?= micrograd-plus-lessons

.PHONY: lab test test-colab bench book site e2e clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per set of extras, remade when pyproject.toml changes. An editable install makes
# setuptools warn about folders named like the package, which is alarming and not for learners.
# It also skips the package's data files, so the Jupyter server config (saved lessons keep widget
# pictures) is copied where a wheel would put it.
QUIET_EDITABLE := PYTHONWARNINGS="ignore:Editable installation"
SERVER_CONFIG := etc/jupyter/jupyter_server_config.d/micrograd_plus.json
$(VENV)/.installed-%: pyproject.toml jupyter-config/jupyter_server_config.d/micrograd_plus.json | $(BIN)/python
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e ".[$*]"
	install -D -m 644 jupyter-config/jupyter_server_config.d/micrograd_plus.json $(VENV)/$(SERVER_CONFIG)
	touch $@

# Copies new lessons into $(LESSONS) (never over one you changed) and opens JupyterLab there.
lab: $(VENV)/.installed-notebook
	$(BIN)/micrograd-plus lab $(LESSONS) --port=$(PORT)

test: $(VENV)/.installed-test
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadgroup

# Google Colab's versions of the libraries (tests/colab_versions.txt: ipywidgets 7.7 and the
# classic Notebook's widget extension among them) on Colab's Python 3.11, in a venv of their own.
COLAB_PYTHON ?= python3.11
COLAB_VENV := .venv-colab
COLAB_BIN := $(COLAB_VENV)/bin

$(COLAB_VENV)/.installed: pyproject.toml tests/colab_versions.txt
	rm -rf $(COLAB_VENV)
	$(COLAB_PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_BIN)/python -m pip install --quiet --upgrade pip
	$(COLAB_BIN)/python -m pip install --quiet -r tests/colab_versions.txt
	$(QUIET_EDITABLE) $(COLAB_BIN)/python -m pip install --quiet -e ".[test]" "playwright>=1.45"
	touch $@

# The widget, viz and train tests with Colab's versions, and a check that installing
# micrograd-plus (with pip's own resolver) changed none of them.
test-colab: $(COLAB_VENV)/.installed
	MICROGRAD_PLUS_COLAB_VERSIONS=tests/colab_versions.txt OMP_NUM_THREADS=1 \
	  $(COLAB_BIN)/python -m pytest -n 2 --dist loadgroup -k "colab or not packaging" \
	  tests/test_packaging.py tests/test_widgets.py tests/test_viz_*.py tests/test_train.py

# Wall times beside micrograd and PyTorch; with valgrind installed, instruction counts too.
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py
	$(if $(shell command -v valgrind),$(BIN)/python benchmarks/run.py --instructions)

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
# Then the widgets in the classic Notebook with ipywidgets 7, Colab's widget front end, from
# the Colab-version environment (the same tests skip in .venv).
e2e: $(VENV)/.installed-test $(VENV)/.installed-e2e $(VENV)/.installed-site $(COLAB_VENV)/.installed
	MICROGRAD_PLUS_E2E=1 $(BIN)/python -m pytest -m e2e tests/e2e
	MICROGRAD_PLUS_E2E=1 $(COLAB_BIN)/python -m pytest -m e2e tests/e2e/test_classic_notebook.py

clean:
	rm -rf $(VENV) $(COLAB_VENV) book site build .pytest_cache .hypothesis
