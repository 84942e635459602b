"""`qa eval` end to end: scoring answers from `qa ask --json --file` equals running the project, the
regression gate, and the comparison reports."""

import json
import os
import subprocess
import sys

import pytest

from qa.config import PROJECT_ROOT

GOLD = PROJECT_ROOT / "eval" / "gold.jsonl"


@pytest.fixture(scope="module")
def env(real_settings, assistant):
    return dict(os.environ, QA_INDEX_DIR=str(real_settings.index_dir), QA_CORPUS_DIR=str(real_settings.corpus_dir))


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory):
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    picked = lines[:12] + lines[-10:]  # both languages, answerable and unanswerable
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_text("\n".join(picked) + "\n", encoding="utf-8")
    return path


def qa(env, *args):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], env=env, capture_output=True, text=True,
                          timeout=900)


def _without_latency(metrics):
    return {g: {k: v for k, v in m.items() if not k.startswith("latency")} for g, m in metrics.items()}


def test_scoring_an_answers_file_equals_running_the_project(env, small_gold, tmp_path):
    answers = tmp_path / "answers.jsonl"
    out = qa(env, "ask", "--json", "--file", str(small_gold))
    assert out.returncode == 0, out.stderr
    answers.write_text(out.stdout, encoding="utf-8")
    external = json.loads(qa(env, "eval", "--gold", str(small_gold), "--answers", str(answers), "--json").stdout)
    internal = json.loads(qa(env, "eval", "--gold", str(small_gold), "--json").stdout)
    assert _without_latency(external["metrics"]) == _without_latency(internal["metrics"])
    assert external["counts"]["all"] == 22


def test_regression_gate(env, small_gold):
    ok = qa(env, "eval", "--gold", str(small_gold), "--min", "top1=0.5")
    assert ok.returncode == 0, ok.stderr
    low = qa(env, "eval", "--gold", str(small_gold), "--min", "top1=1.01")
    assert low.returncode == 1 and "below threshold: top1" in low.stderr
    bad = qa(env, "eval", "--gold", str(small_gold), "--min", "top1")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr


@pytest.mark.slow
def test_compare_writes_reports(env, small_gold, tmp_path):
    out = qa(env, "eval", "--gold", str(small_gold), "--compare", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert set(report["systems"]) == {"hybrid (this project)", "hybrid, no router", "dense only", "bm25 only",
                                      "langchain 1000/200 chunks"}
    for system in report["systems"].values():
        assert {"top1", "recall@1", "recall@10", "mrr@10", "ndcg@10"} <= set(system["metrics"]["all"])
        assert "top1" in system["confidence_95"]
    assert [d["metric"] for d in report["paired_differences"]] == ["top1", "recall@5", "mrr@10"]
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("| system |") and "langchain 1000/200 chunks" in summary
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "failures.md").exists()
