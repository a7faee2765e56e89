#!/usr/bin/env bash
# Shopfloor as a user installs it: build the wheel, install it into a fresh virtualenv outside
# the checkout (nothing can be read from the source tree), and there create the demo plant,
# print every kind of document (barcodes decoded) and run the self-test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d /tmp/shopfloor-wheel-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
.venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps \
    --wheel-dir "$WORK/dist" .
WHEEL="$(ls "$WORK"/dist/shopfloor-*.whl)"
echo "built $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1))"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$WHEEL"
.venv/bin/python scripts/check_installed.py "$WORK/venv/bin/shopfloor"
