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
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], env=env, capture_output=True, text=True,
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
