#!/usr/bin/env bash
# Sets up everything the tests need (Python extras at the locked versions, Debian's chromium for the
# browser tests), runs the test suite, then the citation-accuracy regression gate on the tuned gold sets.
# The last line says whether the gate passed: `gate: passed` or `gate: failed (…)`, with the exit code.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
if ! bash scripts/setup.sh "ui,test,eval,llm"; then
  echo "gate: failed (setup)"
  exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: could not install chromium" >&2
fi
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
failed=()
setup_done=$(date +%s)
# The eval gate needs index/ anyway: build it once (unless it is up to date) and let the suite copy it
# (tests/conftest.py, QA_TEST_INDEX_SEED) instead of building the same index a second time.
.venv/bin/qa index info >/dev/null 2>&1 || .venv/bin/qa index build || failed+=("index build")
export QA_TEST_INDEX_SEED="$PWD/index"
.venv/bin/python -m pytest -q "$@"
status=$?
pytest_done=$(date +%s)
case $status in
  0) ;;
  5) failed+=("pytest collected no tests") ;;  # exit 5: nothing ran, which is not a pass
  *) failed+=("pytest exit $status") ;;
esac
# The regression gate runs on the sets the project was tuned on (development + calibration), never on
# eval/test.jsonl, which is only reported (README "Evaluation").
.venv/bin/qa eval --gold eval/gold.jsonl --gold eval/calibration.jsonl \
  --min top1=0.80 --min recall@5=0.90 --min abstention=0.90 --min quote_fidelity=1.0
status=$?
[[ $status -eq 0 ]] || failed+=("eval gate exit $status")
now=$(date +%s)
echo "took $(( now - started )) s: setup $(( setup_done - started )) s, index and pytest $(( pytest_done - setup_done )) s, eval gate $(( now - pytest_done )) s"
if [[ ${#failed[@]} -eq 0 ]]; then
  echo "gate: passed"
  exit 0
fi
reasons=$(IFS=';'; echo "${failed[*]}")
echo "gate: failed (${reasons//;/; })"
exit 1
