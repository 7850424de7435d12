#!/usr/bin/env bash
# Install forensics with its test and training extras into ./.venv and run the whole test suite (arguments go
# to pytest). The training extra (CPU torch) is here so that the suite runs the seconds-long training smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
[ -x .venv/bin/python ] || python3 -m venv .venv
# Build-backend warnings go to a log; it is shown only if the install fails.
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,train]" > .venv/pip-install.log 2>&1 || { cat .venv/pip-install.log >&2; exit 1; }
exec .venv/bin/python -m pytest "$@"
