#!/usr/bin/env bash
# Set everything up, create the demo plant (once) in demo/shopfloor-demo.db and open it.
set -euo pipefail
cd "$(dirname "$0")/.."
SHOPFLOOR_EXTRAS="${SHOPFLOOR_EXTRAS-}" bash scripts/setup.sh
DB="${SHOPFLOOR_DEMO_DB:-demo/shopfloor-demo.db}"
mkdir -p "$(dirname "$DB")"
if [ ! -f "$DB" ]; then
    .venv/bin/shopfloor --db "$DB" init --demo
fi
exec .venv/bin/shopfloor --db "$DB" "$@"
