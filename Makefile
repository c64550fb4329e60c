# `make test` is the project's test command; CI (.ci/run) runs it, then `make package`, on a
# clean clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
# checkov, apart: its pins clash with SAM's and moto's.
CHECKOV_VENV := .venv-checkov
REGION ?= eu-west-1

# The venv's tools (moto_server, cfn-lint, sam, cargo-lambda, zig) come first on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

.PHONY: test test-fast lint template scan venv checkov-venv fuzz package sam-local bench corpus clean

# The suite records the responses it receives (API_RESPONSES); the HTTP contract's check then
# validates each against docs/openapi.yaml.
API_RESPONSES := $(CURDIR)/target/api-responses.jsonl

# Every crate's unit tests and the fast tier, then the service tier (tests/suite) on
# moto_server; the pair model at its full size.
# The Python tools install while clippy runs (most of a clean clone's first minutes).
test:
	$(MAKE) --jobs=3 --output-sync=target venv checkov-venv lint
	$(MAKE) template
	mkdir -p target && rm -f $(API_RESPONSES)
	API_RESPONSES=$(API_RESPONSES) PAIR_MODEL_CASES=10000 scripts/with-moto \
	  bash -c 'cargo test --workspace --locked && cargo test --locked -p integration-tests --test suite'
	$(VENV)/bin/python tests/openapi/check.py $(API_RESPONSES)

# The fast tier, as a plain `cargo test` runs it: the domain's, adapters' and use cases' unit
# tests and tests/fast (the handlers, the parsers, a wiremock iDenfy) — no DynamoDB API, no
# browser, no Python tools (`make test` runs them too).
test-fast:
	env -u AWS_ENDPOINT_URL_DYNAMODB cargo test --locked

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

# template.yaml: CloudFormation lint, SAM's own validation, the security scan, and the
# template's tests; the HTTP contract's check's own tests; the README's and docs' links.
template: venv scan
	cfn-lint template.yaml
	sam validate --lint --region $(REGION)
	$(VENV)/bin/python -m unittest discover --start-directory tests/template --verbose
	$(VENV)/bin/python -m unittest discover --start-directory tests/openapi --verbose
	$(VENV)/bin/python -m unittest discover --start-directory tests/docs --verbose

# checkov on the template, offline: every check passed, or suppressed in the template with
# its reason (`# checkov:skip=ID:reason`, listed in docs/deploy.md's security scan).
scan: checkov-venv
	$(CHECKOV_VENV)/bin/checkov --file template.yaml --framework cloudformation --skip-download --compact

# arm64 bootstraps of both functions, as `sam deploy` will upload them (.aws-sam/build).
package: venv
	sam build --region $(REGION)

# Every sample event through `sam local invoke` with events/sam-local-env.json, and the three
# routes through `sam local start-api`, on Docker (see docs/local.md, "sam local"). CI sets
# SAM_LOCAL_STANDIN_IMAGE=1: it cannot pull SAM's base image, so one is built from Debian.
sam-local: venv
	scripts/sam-local

# 1 000 000 generated and mutated webhook bodies and headers through verify + parse + decide
# (`make test` runs a few thousand of the same).
FUZZ_CASES ?= 1000000
fuzz:
	FUZZ_CASES=$(FUZZ_CASES) cargo test --release --locked -p integration-tests --test fast -- fuzz:: --nocapture

# The verdict on the labelled corpus (shared/app/corpus/verdicts.json) beside the seed guide's
# exact `===` comparison: automation, wrong VERIFIED (fails unless 0), reasons as labelled.
corpus:
	cargo run --locked --quiet -p pair-app --example corpus-report

# Release binaries, then the figures in bench/results.json (cold starts under our Lambda
# Runtime API emulator against moto_server; the callback's CPU path; load and race against
# moto_server beside the Node.js peer, and on the embedded store).
bench: venv
	npm ci --prefix bench/peers/node-webhook --no-audit --no-fund
	cargo build --release --locked -p issue-tokens -p idenfy-callback -p notify-decisions -p idenfy-pair-bench
	scripts/with-moto target/release/bench

# Python tools in a git-ignored virtualenv, reinstalled when the list changes.
checkov-venv: $(CHECKOV_VENV)/.installed
$(CHECKOV_VENV)/.installed: tools/checkov-requirements.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/checkov-requirements.txt
	touch $@

venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .tmp .aws-sam
	cargo clean
