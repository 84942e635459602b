#!/usr/bin/env bash
# Sets up everything the tests need (Python extras, Debian's chromium for the browser tests), runs the
# test suite, then the citation-accuracy regression gate on the bundled gold set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "ui,test,eval,llm"
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: could not install chromium" >&2
fi
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
.venv/bin/python -m pytest -q "$@"
.venv/bin/qa eval --min top1=0.85 --min recall@5=0.95 --min abstention=0.9
