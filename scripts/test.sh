#!/usr/bin/env bash
# Install everything the tests need (LibreOffice from Debian, the package and its test
# extra in a virtual environment .venv) and run ruff and the tests.
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

# A virtual environment: works where the system Python refuses pip installs (PEP 668).
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
.venv/bin/python -m pytest "$@"
