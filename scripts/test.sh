#!/usr/bin/env bash
# Install everything the tests need (Python packages, LibreOffice from Debian) and run them.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# LibreOffice opens the workbooks we write, as a real spreadsheet program would.
if ! command -v soffice >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            libreoffice-calc-nogui >/dev/null
    else
        echo "LibreOffice (soffice) is needed and this is not a Debian-like system:" \
             "install LibreOffice Calc, then run this script again." >&2
        exit 1
    fi
fi

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m pytest "$@"
