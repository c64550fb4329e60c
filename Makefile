# `make test` is the project's test command; CI (.ci/run) runs it on a clean clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv

.PHONY: test lint venv fuzz clean

test: venv lint
	scripts/with-moto cargo test --workspace --locked

# 1 000 000 generated and mutated webhook bodies and headers through verify + parse + decide
# (`make test` runs a few thousand of the same).
FUZZ_CASES ?= 1000000
fuzz:
	FUZZ_CASES=$(FUZZ_CASES) cargo test --release --locked -p integration-tests --test suite -- fuzz:: --nocapture

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Python tools (moto_server) in a git-ignored virtualenv, reinstalled when the list changes.
venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

clean:
	rm -rf $(VENV) .tmp
	cargo clean
