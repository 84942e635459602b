#!/usr/bin/env bash
# Regenerates constraints.txt, the exact versions scripts/setup.sh and scripts/test.sh install.
#   bash scripts/lock.sh              # fresh throwaway venv: torch==2.13.0 (CPU), then the project with
#                                     # every extra at the newest versions pyproject.toml allows; lock that
#   bash scripts/lock.sh --venv DIR   # lock what DIR already has (e.g. .venv after the tests passed in it)
# Run the tests after a refresh; commit constraints.txt with the change that needed it.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="ui,st,llm,eval,test"
if [[ "${1:-}" == "--venv" ]]; then
  venv="${2:?usage: scripts/lock.sh [--venv DIR]}"
else
  venv="$(mktemp -d)/venv"
  trap 'rm -rf "$(dirname "$venv")"' EXIT
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  # torch first and pinned: a plain `torch` requirement would pull a multi-GB CUDA build and nvidia-* wheels
  "$venv/bin/python" -m pip install --quiet "torch==2.13.0"
  "$venv/bin/python" -m pip install --quiet -e ".[$extras]" "torch==2.13.0"
fi
"$venv/bin/python" -m pip install --quiet packaging >/dev/null 2>&1 || true
"$venv/bin/python" scripts/lock.py > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "wrote constraints.txt ($(grep -c '==' constraints.txt) pins) from $venv"
