# Two commands do all the set-up: `make course` opens the course, `make test` runs every test.
# Both create a virtual environment in .venv on first use (needs only Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: course test browser notebooks bench site dashboard clean

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(READY)

course: $(READY)  ## open the course in JupyterLab: the whole project served, chapter 00 open
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" notebooks/00_welcome.ipynb

test: $(READY) browser  ## run every test: unit, property, notebooks (strict nbval), exercise proofs, browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

browser:  ## Debian's chromium for the browser tests: installed as root, else what to run
	@bash tests/install_browser.sh

notebooks: $(READY)  ## re-execute the chapter notebooks, store outputs, strip widget state
	$(BIN)/python notebooks/refresh.py

site: $(READY)  ## build the course as a static JupyterLite site in _site/ (no install for learners)
	$(BIN)/python -m lite.build

dashboard: $(READY)  ## serve the Sunny Street dashboard as an app (Voila): nothing fetched from the internet, idle kernels culled
	JUPYTER_PATH="$(CURDIR)/minichain/viz/jupyter" $(BIN)/voila notebooks/sunny_street_dashboard.ipynb \
		--template=sunny --MappingKernelManager.cull_idle_timeout=300 \
		--MappingKernelManager.cull_interval=60

bench: $(READY)  ## print the speed ratios quoted in the README
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV)
