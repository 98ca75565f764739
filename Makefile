# guidance-tracker: two commands do all set-up.
#   make demo   compare the sample guidance versions, write outputs/demo/
#   make test   run the whole test suite
# Each creates .venv and installs the pinned, hash-checked dependencies on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench eval venv clean lint

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --config-settings editable_mode=compat -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m tracker demo --out outputs/demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile --timeout 600

bench: $(STAMP)
	$(PY) -m tracker bench

eval: $(STAMP)
	$(PY) -m tracker eval

clean:
	rm -rf $(VENV) outputs build *.egg-info
