# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift
ANNEAL := .build/release/anneal
PYTEST := .venv/bin/python -m pytest

.PHONY: run test setup build build-debug swift-test compat compat-slurm bench-smoke bench demo clean

run: setup build
	$(ANNEAL) serve

test: setup swift-test build compat compat-slurm bench-smoke

setup:
	@scripts/setup

build:
	$(SWIFT) build -c release --product anneal

swift-test:
	$(SWIFT) test

compat: build
	ANNEAL_BIN=$(abspath $(ANNEAL)) $(PYTEST) -q tests/compat

# The same compatibility tests with every worker placed by the Slurm executor on a local Slurm
# cluster (scripts/slurm-local); any file of tests/compat runs this way with ANNEAL_EXECUTOR=slurm
# (all of the job-running ones pass: training API and runs, spot, capacity, resilience, tuning, warm
# pools, logs, metrics, CLI, SDK, job credentials). CI runs these two, for time.
compat-slurm: build
	ANNEAL_EXECUTOR=slurm ANNEAL_BIN=$(abspath $(ANNEAL)) $(PYTEST) -q tests/compat/test_training_run.py \
		tests/compat/test_training_resilience.py::test_a_restart_keeps_queued_jobs_and_retries_running_ones

bench-smoke: build
	bench/http --smoke
	bench/s3 --smoke
	bench/startup --smoke
	bench/capacity --smoke
	bench/logs --smoke
	bench/hpo --smoke
	bench/hpo-sklearn --smoke

bench: build
	bench/http
	bench/s3
	bench/startup
	bench/capacity
	bench/logs
	bench/hpo
	bench/hpo-sklearn

# The Sorts workload (examples/sorts) reduced to a few minutes: a server of its own in a temporary home,
# parallel training jobs (most on spot) and a Bayesian tuning job through the sagemaker SDK, results printed.
demo: setup build
	.venv/bin/python examples/sorts/demo.py --anneal $(abspath $(ANNEAL))

clean:
	rm -rf .build .venv
