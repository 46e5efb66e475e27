#!/usr/bin/env bash
# `make run`: the local broker, its topics, then the four services until Ctrl-C; the broker
# stops on the way out. Data stays under .local/ for the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

trap 'bash deploy/kafka/kafka.sh stop' EXIT
bash deploy/kafka/kafka.sh start
.venv/bin/leadline-topics
.venv/bin/python -m leadline.contracts.tooling.local_stack
