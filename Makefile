# zhengji: the two commands a new user needs are `make demo` and `make test`.
# Each installs what is missing on a fresh Debian machine first.

VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.synced

.PHONY: demo test unit lint bench up deps system-deps schemas clean

demo: deps
	$(VENV)/bin/zhengji demo

up: deps
	$(VENV)/bin/zhengji up

test: deps
	@bash scripts/system-deps.sh --browser
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup

# The fast tier: tests/unit only (pure code and fakes: no broker, store, browser or ffmpeg run),
# under a minute on 2 cores. make test runs these too, with everything else.
unit: deps
	$(VENV)/bin/pytest -q -n 2 tests/unit

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

# About 15 minutes on 2 cores; each script prints its ratios against its baseline.
bench: deps
	@bash scripts/system-deps.sh --bench
	$(PY) bench/bench_bus.py
	$(PY) bench/bench_review.py
	$(PY) bench/bench_upload_memory.py
	$(PY) bench/bench_tus_upload.py
	$(PY) bench/bench_validator.py
	$(PY) bench/bench_transcoder.py
	$(PY) bench/bench_scale_out.py

schemas: deps
	$(PY) -m contracts.schemas

# Bytecode written here, once: where PYTHONDONTWRITEBYTECODE is set (CI images often set it) every
# process would compile its imports again, and the services and their bounded media children are
# many processes (about 3 CPU s each on 2 cores: docs/performance.md, "Start-up").
deps: system-deps $(STAMP)
	@$(PY) -m compileall -q -j 0 services zhengji contracts tests bench

# ffmpeg/ffprobe (and, for tests, Chromium) from Debian's packages; a clear message where we cannot.
system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml uv.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $(STAMP)

clean:
	rm -rf .zhengji .pytest_cache .mypy_cache .ruff_cache
