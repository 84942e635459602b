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
    return subprocess.run([sys.executable, "-m", "qa", *args], env=env, capture_output=True, text=True,
                          timeout=900)


def _without_latency(metrics):
    return {g: {k: v for k, v in m.items() if not k.startswith("latency")} for g, m in metrics.items()}


@pytest.fixture(scope="module")
def answers(env, small_gold, tmp_path_factory):
    """The project's answers to the small gold set, written once by `qa ask --json --file`."""
    out = qa(env, "ask", "--json", "--file", str(small_gold))
    assert out.returncode == 0, out.stderr
    path = tmp_path_factory.mktemp("answers") / "answers.jsonl"
    path.write_text(out.stdout, encoding="utf-8")
    return path


def _qa_here(env, *args):
    """`qa` in this process (click's runner): the model and index the session already loaded are reused,
    where a subprocess would load them again. The subprocess runs above and below keep the real command."""
    from click.testing import CliRunner

    from qa.surfaces.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_scoring_an_answers_file_equals_running_the_project(env, small_gold, answers):
    external = json.loads(qa(env, "eval", "--gold", str(small_gold), "--answers", str(answers), "--json").stdout)
    run = _qa_here(env, "eval", "--gold", str(small_gold), "--json")
    assert run.exit_code == 0, run.output
    internal = json.loads(run.stdout)
    assert _without_latency(external["metrics"]) == _without_latency(internal["metrics"])
    assert external["counts"]["all"] == 22


def test_regression_gate(env, small_gold, answers):
    """The gate's thresholds, on the answers already written (scoring is the same either way, above)."""
    ok = qa(env, "eval", "--gold", str(small_gold), "--answers", str(answers), "--min", "top1=0.5")
    assert ok.returncode == 0, ok.stderr
    low = qa(env, "eval", "--gold", str(small_gold), "--answers", str(answers), "--min", "top1=1.01")
    assert low.returncode == 1 and "below threshold: top1" in low.stderr
    bad = qa(env, "eval", "--gold", str(small_gold), "--min", "top1")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr


def test_answers_whose_ids_match_no_gold_question_are_an_error(env, small_gold, answers, tmp_path):
    """They used to score top-1 0 and abstention 1.000 without a word."""
    records = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text("".join(json.dumps({**r, "id": f"x{n}"}) + "\n" for n, r in enumerate(records)),
                       encoding="utf-8")
    out = qa(env, "eval", "--gold", str(small_gold), "--answers", str(foreign))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "none of the 22 answers has the id of a gold question" in out.stderr and "'x0'" in out.stderr
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(json.dumps(r) + "\n" for r in records[:20]) + json.dumps({**records[0], "id": "zz"})
                       + "\n", encoding="utf-8")
    out = qa(env, "eval", "--gold", str(small_gold), "--answers", str(partial))
    assert out.returncode == 0, out.stderr
    assert "2 of 22 gold questions have no answer and count as abstentions" in out.stderr
    assert "1 answer(s) match no gold question and are ignored: zz" in out.stderr


@pytest.mark.slow
def test_compare_writes_reports(mini_settings, tmp_path):
    """Report structure on the three-article mini corpus: the baselines (the LangChain one embeds its own
    chunks) run in seconds instead of minutes; the figures themselves come from `qa eval --compare`."""
    gold = tmp_path / "mini-gold.jsonl"
    gold.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in [
        {"id": "m1", "question": "Що таке незаконний доступ?", "lang": "uk", "type": "offence", "answerable": True,
         "articles": ["2"], "paragraphs": []},
        {"id": "m2", "question": "What is illegal interception?", "lang": "en", "type": "offence",
         "answerable": True, "articles": ["3"], "paragraphs": ["3.1"]},
        {"id": "m3", "question": "What is the capital of France?", "lang": "en", "type": "unanswerable",
         "answerable": False, "articles": [], "paragraphs": []},
    ]), encoding="utf-8")
    env = dict(os.environ, QA_INDEX_DIR=str(mini_settings.index_dir), QA_CORPUS_DIR=str(mini_settings.corpus_dir))
    out = qa(env, "eval", "--gold", str(gold), "--compare", "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert set(report["systems"]) == {"hybrid (this project)", "hybrid, no router", "hybrid, Ukrainian text only",
                                      "hybrid, no concept layer", "hybrid, no article profiles", "hybrid, no glossary",
                                      "dense only", "bm25 only",
                                      "langchain 1000/200 chunks"}
    for system in report["systems"].values():
        assert {"top1", "recall@1", "recall@10", "mrr@10", "ndcg@10"} <= set(system["metrics"]["all"])
        assert "top1" in system["confidence_95"]
    assert [d["metric"] for d in report["paired_differences"]] == ["top1", "recall@5", "mrr@10"]
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("| system |") and "langchain 1000/200 chunks" in summary
    assert (tmp_path / "out" / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "out" / "failures.md").exists()
