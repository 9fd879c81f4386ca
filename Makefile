# Two commands for a new user: `make lab` and `make test`. Each prepares its own .venv.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; course machines and containers often run as root.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU-only torch: the pinned version resolves to a CPU wheel on the course machines.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,lab]"
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(LAB_FLAGS) notebooks/

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
