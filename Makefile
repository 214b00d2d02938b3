# One command sets up and runs each job; the virtual environment is created when missing.
#   make etl                       ETL notebook on StatsBomb open data online (FIFA World Cup 2022)
#   make etl DATA_DIR=PATH         the same on a local copy of the open-data folders
#   make test                      the test suite (needs ../shared/data/statsbomb-open)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.matchkit-installed

BATCH_SIZE ?= 10
MAX_WORKERS ?= 4
DATA_DIR ?=
DATABASE_URL ?= sqlite:///matchkit.db
ETL_OUTPUT ?= reports/etl-out.ipynb

ETL_PARAMS := -p batch_size $(BATCH_SIZE) -p max_workers $(MAX_WORKERS) -p database_url $(DATABASE_URL)
ifneq ($(strip $(DATA_DIR)),)
ETL_PARAMS += -p data_dir $(DATA_DIR)
endif

.PHONY: setup etl test clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (matchkit)"
	touch $(STAMP)

etl: $(STAMP)
	$(BIN)/papermill notebooks/etl.ipynb $(ETL_OUTPUT) $(ETL_PARAMS)

# Debian's Chromium and ChromeDriver for the browser tests (installing them needs root).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver)

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache reports/etl-out.ipynb

# Benchmark and tuning read a local open-data folder: DATA_DIR, or ../shared/data/statsbomb-open when unset.
#   make benchmark                 reports/benchmark.json and reports/benchmark.html
#   make tuning                    params/etl-tuned.yaml and reports/tuning.html
BENCH_DATA_DIR = $(if $(strip $(DATA_DIR)),$(DATA_DIR),../shared/data/statsbomb-open)
BENCH_GRID ?= 11x2,22x2,44x2
BENCH_BACKENDS ?= loky,threading,dask
BENCH_REPEATS ?= 3

.PHONY: benchmark tuning

benchmark: $(STAMP)
	$(BIN)/papermill notebooks/benchmark.ipynb reports/benchmark-out.ipynb -p data_dir $(BENCH_DATA_DIR) \
		-p grid $(BENCH_GRID) -p backends $(BENCH_BACKENDS) -p repeats $(BENCH_REPEATS) -p command "make benchmark"
	$(BIN)/jupyter nbconvert --to html --no-input reports/benchmark-out.ipynb --output benchmark.html --output-dir reports

tuning: $(STAMP)
	$(BIN)/papermill notebooks/tuning.ipynb reports/tuning-out.ipynb -p data_dir $(BENCH_DATA_DIR) \
		-p database_url $(DATABASE_URL)
	$(BIN)/jupyter nbconvert --to html --no-input reports/tuning-out.ipynb --output tuning.html --output-dir reports
