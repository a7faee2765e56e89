#!/usr/bin/env bash
# Build the one-folder bundle: dist/shopfloor/shopfloor (plus dist/shopfloor/_internal/).
# Installs PyInstaller (the `dist` extra) into .venv first. Then try it:
#   QT_QPA_PLATFORM=offscreen dist/shopfloor/shopfloor --self-test
set -euo pipefail
cd "$(dirname "$0")/.."
SHOPFLOOR_EXTRAS="${SHOPFLOOR_EXTRAS-test,dev,dist}" bash scripts/setup.sh >/dev/null
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/shopfloor.spec
cp installer/shopfloor.desktop dist/shopfloor/
echo "built dist/shopfloor ($(du -sh dist/shopfloor | cut -f1))"
