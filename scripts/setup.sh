#!/usr/bin/env bash
# Set up Shopfloor on Debian 12 / Python 3.11: the system libraries Qt needs, PostgreSQL
# (for the multi-workstation tests), and a virtualenv in .venv with the project installed.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

QT_LIBS="libgl1 libegl1 libfontconfig1 libfreetype6 libxkbcommon0 libglib2.0-0 libdbus-1-3
libx11-6 libcups2 fonts-dejavu-core
libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcb-xfixes0 libxcb-sync1
libxcb-shm0 libxcb-glx0"
TEST_LIBS="postgresql cups cups-client printer-driver-cups-pdf poppler-utils
xvfb xauth xdotool imagemagick"
EXTRAS="${SHOPFLOOR_EXTRAS-test,dev}"
PYTHON="${PYTHON:-python3}"

missing_packages() {
    local pkg out=""
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || out="$out $pkg"
    done
    echo "$out"
}

apt_install() {
    local missing
    missing=$(missing_packages "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "installing system packages:$missing"
        if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
            apt-get update -qq
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                 apt-get install -y -qq --no-install-recommends $missing; }
    else
        echo "note: please install these system packages:$missing" >&2
    fi
}

if command -v dpkg-query >/dev/null; then
    # shellcheck disable=SC2086
    apt_install $QT_LIBS
    case ",$EXTRAS," in *,test,*) apt_install $TEST_LIBS ;; esac
fi

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv
        "$PYTHON" -m venv .venv
    fi
fi
if [ -n "$EXTRAS" ]; then TARGET=".[$EXTRAS]"; else TARGET="."; fi
# Installed already for these extras, and pyproject.toml unchanged since? Then nothing to do.
STAMP=".venv/.installed-${EXTRAS:-base}"
if [ ! "$STAMP" -nt pyproject.toml ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$TARGET"
    touch "$STAMP"
fi
echo "ready: .venv/bin/shopfloor"
