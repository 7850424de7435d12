#!/usr/bin/env bash
# Install forensics into ./.venv and analyse the bundled examples, writing examples/output/report.pdf.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh runtime
[ -x .venv/bin/python ] || python3 -m venv .venv
# Build-backend warnings go to a log; it is shown only if the install fails.
.venv/bin/python -m pip install -q --disable-pip-version-check -e . > .venv/pip-install.log 2>&1 || { cat .venv/pip-install.log >&2; exit 1; }
rm -rf examples/output
.venv/bin/forensics analyze examples/street.jpg examples/street.png examples/clip.avi examples/portrait.jpg examples/portrait.mp4 \
  --case examples/output/case --case-number EXAMPLE-001 --agency "Example Lab" --examiner "Example Examiner" \
  --received-from "bundled examples" --report examples/output/report.pdf --json examples/output/results.json
