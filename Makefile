# Leadline: `make run` starts everything on a fresh machine, `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PACKAGES := contracts services/leads services/communications services/documents services/reporting

.DEFAULT_GOAL := help
.PHONY: help prerequisites install lock run demo test check lint typecheck contracts test-unit bench cluster cluster-stop chaos kafka-start kafka-stop topics token clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

prerequisites: ## Python 3.11+ with venv, Java 17+, Maven: installed from Debian's packages as root, else named
	PYTHON=$(PYTHON) bash deploy/prerequisites.sh

# Third-party packages come only from the hashed lock (pip refuses anything unlisted or altered); our own
# packages are then installed editable on top, without dependencies of their own and built with the
# locked setuptools, since pip cannot check hashes of an editable install.
$(INSTALLED): requirements-dev.lock $(addsuffix /pyproject.toml,$(PACKAGES)) | prerequisites
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation $(addprefix -e ,$(PACKAGES))
	$(PY) -m pip check
	touch $@

install: prerequisites $(INSTALLED) ## one virtualenv with every package, plus the Kafka and S3Proxy jars
	bash deploy/kafka/kafka.sh install
	bash deploy/s3proxy/s3proxy.sh install

# The locks are resolved for the Python and platform the project runs on (3.11, Linux x86_64), keeping
# every pin already in them unless UPGRADE names packages (or is `all`). uv is needed here only, never
# to install: pip reads the locks.
UV_VERSION := 0.13.9
LOCK_TOOL := .local/lock-tool
OWN_PACKAGES := leadline-contracts leadline-leads leadline-communications leadline-documents leadline-reporting
LOCK := printf '%s\n' $(addprefix ./,$(PACKAGES)) | $(LOCK_TOOL)/bin/uv pip compile --quiet --generate-hashes \
	--python-version 3.11 --python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock' \
	$(addprefix --no-emit-package ,$(OWN_PACKAGES)) \
	$(if $(filter all,$(UPGRADE)),--upgrade,$(addprefix --upgrade-package ,$(UPGRADE))) - requirements-build.txt

lock: ## regenerate requirements.lock (the services) and requirements-dev.lock (with the dev tools); UPGRADE=pkg or all
	test -x $(LOCK_TOOL)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOL) && $(LOCK_TOOL)/bin/pip install -q uv==$(UV_VERSION); }
	$(LOCK) -o requirements.lock
	$(LOCK) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

run: install ## the whole system on a local Kafka and SQLite; Ctrl-C stops it
	bash deploy/run.sh

demo: install ## play gateways, a mailbox and a sales app against `make run`
	$(PY) -m deploy.demo.gateway_simulator

test: install check ## lint, types, documents, then every test layer (starts its own brokers)
	$(PY) -m pytest

test-unit: install ## unit, component and contract tests, and the scenarios on the in-memory broker (no broker)
	$(PY) -m pytest tests/unit tests/component tests/contracts tests/scenarios -m "not kafka"

bench: install ## Leadline beside minimal baselines, SQLite and PostgreSQL; PROFILE=1 adds py-spy flame graphs
	$(PY) -m tests.bench.pipeline $(if $(PROFILE),--profile)

cluster: install ## 3 Kafka brokers, PostgreSQL, 2 replicas of each service; returns once all is ready
	$(PY) deploy/cluster.py start

cluster-stop: ## stop `make cluster` (its data stays under .local/cluster for the next start)
	$(PY) deploy/cluster.py stop

chaos: install ## against `make cluster`: load, 24 replica kills, a broker lost and one paused; reports/chaos.json
	$(PY) -m tests.chaos

check: lint typecheck ## static checks and document drift
	$(VENV)/bin/leadline-contracts check

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy contracts/src services/*/src tests deploy/demo deploy/cluster.py

contracts: install ## regenerate JSON Schemas, AsyncAPI and OpenAPI documents
	$(VENV)/bin/leadline-contracts generate

kafka-start: install ## start only the local broker and create the topics
	bash deploy/kafka/kafka.sh start
	$(VENV)/bin/leadline-topics

kafka-stop: ## stop the local broker
	bash deploy/kafka/kafka.sh stop

token: install ## mint a bearer token: make token NAME=anna|piotr|marta
	@$(VENV)/bin/leadline-token $(NAME)

clean: kafka-stop ## forget local data (broker topics and service databases, the cluster's too)
	rm -rf .local/data .local/kafka/data .local/kafka/run
	if [ -f .local/cluster/cluster.json ]; then $(PY) deploy/cluster.py clean; fi
