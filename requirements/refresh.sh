#!/usr/bin/env bash
# Re-resolve the locked environments from pyproject.toml: bash requirements/refresh.sh
# (uv is in the test environment: run `bash .ci/run` once first). Exact versions and
# hashes for every platform and Python 3.11+; commit the changed files with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
compile() { "$uv" pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
    --no-header --quiet "$@"; }
compile -o requirements/runtime.lock   # what the package needs to run
compile --extra test -o requirements/test.lock   # + tests, lint, the wheel build
compile --extra test --extra bench -o requirements/bench.lock   # + the benchmark peers
