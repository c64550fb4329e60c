# `make test` is the project's test command; CI (.ci/run) runs it on a clean clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv

.PHONY: test lint venv clean

test: venv lint
	scripts/with-moto cargo test --workspace --locked

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
