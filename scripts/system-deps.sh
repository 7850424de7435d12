#!/usr/bin/env bash
# Make sure the Debian packages forensics needs are present: install them when we are root with apt-get,
# otherwise stop with a message that names them.
#   scripts/system-deps.sh runtime   # WeasyPrint's libraries (Pango, HarfBuzz subsetting) and Python venv support
#   scripts/system-deps.sh test      # runtime + poppler-utils (pdftotext/pdftoppm), openssl (the test timestamp authority)
#                                    and chromium (the web page's browser tests, driven by Playwright)
set -euo pipefail

runtime=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
test_only=(poppler-utils openssl chromium)
wanted=("${runtime[@]}")
[ "${1:-runtime}" = "test" ] && wanted+=("${test_only[@]}")
python3 -c "import ensurepip" 2>/dev/null || wanted+=(python3-venv)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
else
  echo "note: not a Debian system; make sure these (or your distribution's equivalents) are installed: ${wanted[*]}" >&2
  exit 0
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "       install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
