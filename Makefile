# rl_gait — the two commands a new machine needs: `make demo` and `make test`.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export MUJOCO_GL ?= egl

.PHONY: setup demo test test-all lint bench clean

$(BIN)/rl-gait: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: an open requirement could pull a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/rl-gait

setup: $(BIN)/rl-gait
	@command -v chromium >/dev/null 2>&1 || bash scripts/install_system_deps.sh || echo "note: chromium not installed; the report rendering test will be skipped"

demo: setup
	$(BIN)/rl-gait demo --out runs/demo

test: setup
	$(BIN)/python -m pytest -q -x --timeout=900

test-all: setup
	$(BIN)/python -m pytest -q -m '' --timeout=3600

lint: setup
	$(BIN)/ruff check rl_gait tests experiments benchmarks

bench: setup
	$(BIN)/python benchmarks/env_throughput.py
	$(BIN)/python benchmarks/training_throughput.py

clean:
	rm -rf $(VENV) runs .pytest_cache
