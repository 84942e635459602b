"""The `qa` command as a user runs it: a real subprocess, real index, exit codes and output."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import CORPUS_DIR


@pytest.fixture(scope="module")
def env(real_settings, assistant):  # `assistant` makes sure the shared index is built
    e = dict(os.environ)
    e.update({"QA_INDEX_DIR": str(real_settings.index_dir), "QA_CORPUS_DIR": str(real_settings.corpus_dir)})
    return e


def qa(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "qa", *args], env=env, capture_output=True, text=True,
                          input=stdin, timeout=300)


def test_ask_text(env):
    out = qa(env, "ask", "Що таке незаконний доступ?")
    assert out.returncode == 0, out.stderr
    assert "ст. 2 (Незаконний доступ)" in out.stdout and "[1]" in out.stdout


def test_ask_json(env):
    out = qa(env, "ask", "--json", "What does Article 16(2) say?")
    data = json.loads(out.stdout)
    assert data["citations"][0]["label"] == "Article 16(2)"


def test_batch_carries_ids_and_reports_bad_lines(env, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "Art. 29 para 7"}) + "\n"
        + "Що таке незаконний доступ?\n"
        + json.dumps({"id": "bad", "question": "   "}) + "\n",
        encoding="utf-8",
    )
    out = qa(env, "ask", "--json", "--file", str(batch))
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["a", "2", "bad"]
    assert lines[0]["citations"][0]["chunk_id"] == "convention:art29:7"
    assert lines[1]["citations"][0]["article"] == "2"
    assert "empty" in lines[2]["error"]
    assert out.returncode == 1 and "could not be answered" in out.stderr


@pytest.mark.parametrize("question,message", [
    ("", "empty"), ("   ", "empty"), ("x" * 100_000, "limit"), ("a\x01b", "control character"),
])
def test_bad_input_exits_nonzero_without_traceback(env, question, message):
    out = qa(env, "ask", question)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_missing_corpus_file_is_named(env, tmp_path):
    broken = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, broken)
    (broken / "budapest-convention.uk.txt").write_bytes(b"\xff\xfe broken \x00 bytes")
    e = dict(env, QA_CORPUS_DIR=str(broken), QA_INDEX_DIR=str(tmp_path / "idx"))
    out = qa(e, "ask", "Що таке незаконний доступ?")
    assert out.returncode == 2 and "budapest-convention.uk.txt" in out.stderr and "Traceback" not in out.stderr
    out = qa(dict(e, QA_CORPUS_DIR=str(tmp_path / "nowhere")), "index", "build")
    assert out.returncode == 2 and "nowhere" in out.stderr


def test_index_info(env):
    out = qa(env, "index", "info", "--json")
    data = json.loads(out.stdout)
    assert data["state"] == "ok" and data["manifest"]["chunk_count"] == 166


@pytest.mark.parametrize("args,extra_env,message", [
    (["--top-k", "0"], {}, "'--top-k': 0 is not in the range x>=1"),
    (["--top-k", "-1"], {}, "'--top-k': -1 is not in the range x>=1"),
    ([], {"QA_TOP_K": "0"}, "top_k must be a whole number of at least 1"),
])
def test_top_k_below_one_is_an_error_not_an_empty_answer(env, args, extra_env, message):
    """It used to retrieve nothing and answer "not covered" with exit 0."""
    out = qa(dict(env, **extra_env), "ask", *args, "Що таке незаконний доступ?")
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""


def _missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


@pytest.mark.parametrize("model,message", [
    ("", "the llm answerer needs --llm-model / QA_LLM_MODEL"),
    pytest.param("ollama:llama3.1", "pip install langchain-ollama", marks=pytest.mark.skipif(
        not _missing("langchain_ollama"), reason="langchain-ollama is installed here")),
    pytest.param("openai:gpt-4o", "pip install langchain-openai", marks=pytest.mark.skipif(
        not _missing("langchain_openai"), reason="langchain-openai is installed here")),
    ("llama3.1", "Write it as provider:model"),
])
def test_llm_setup_errors_are_one_line_and_exit_2(env, model, message):
    """The README's own `--llm-model ollama:llama3.1` printed a 51-line traceback; no model exited 0.
    A question that would be declined before reaching the model must fail the same way."""
    questions = ("Що таке незаконний доступ?", "x y") if not model else ("Що таке незаконний доступ?",)
    for question in questions:
        out = qa(env, "ask", "--answerer", "llm", "--llm-model", model, question)
        assert out.returncode == 2, out.stderr
        assert message in out.stderr and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_aiken_export_holds_what_it_says(env, tmp_path):
    from qa.quizzes.formats import read_aiken

    out = qa(env, "quiz", "--types", "matching", "--format", "aiken", "-o", str(tmp_path / "m.txt"))
    assert out.returncode == 2 and "Aiken holds only single-answer items" in out.stderr
    assert not (tmp_path / "m.txt").exists()
    # the README's example: --count 3 gave 2 items while saying 3
    out = qa(env, "quiz", "--count", "3", "--types", "which,cloze,tf", "--articles", "14-22", "--lang", "uk",
             "--seed", "3", "--format", "aiken")
    assert out.returncode == 0, out.stderr
    assert len(read_aiken(out.stdout)) == 3
    assert "3 item(s) written" in out.stderr and "leaving out cloze" in out.stderr
