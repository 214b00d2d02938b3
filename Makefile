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

.PHONY: setup etl test clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (matchkit)"
	touch $(STAMP)

etl: $(STAMP)
	$(BIN)/papermill notebooks/etl.ipynb $(ETL_OUTPUT) $(ETL_PARAMS)

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache reports/etl-out.ipynb
