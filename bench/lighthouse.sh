#!/usr/bin/env bash
# Lighthouse on the PWA (see bench/lighthouse.py). Usage: bench/lighthouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
exec .venv/bin/python bench/lighthouse.py "$@"
