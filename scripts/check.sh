#!/usr/bin/env bash
# The project's test command: lint, type-check, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m ruff check .
"$PY" -m mypy
# Two workers: the clip tests render frames and the machine has two cores.
"$PY" -m pytest -n 2 "$@"
