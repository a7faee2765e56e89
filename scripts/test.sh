#!/usr/bin/env bash
# Set everything up and run the whole test suite (lint, types, tests on SQLite and PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check app tests bench scripts
.venv/bin/ruff format --check app tests bench scripts
.venv/bin/mypy
exec .venv/bin/pytest "$@"
