"""Bring your own sources (issue 16): real files made in the test run, added to a COPY of the real index
with `qa ingest` (a real subprocess), answered with page or heading and verbatim quotes; added and removed
incrementally and atomically; bad files refused with one line and the index files unchanged.

Never the repository's index/: every index here is a copy of the session's (tests/conftest.py) or a
mini-corpus index built in the test."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.checksums import sha256_file
from qa.config import load_settings
from qa.indexing.index import CURRENT, check_status, current_build, load_index, open_index
from qa.sources.formats import read_document
from tests import source_files as files
from tests.conftest import CORPUS_DIR

FACTS = {  # file → (question only it answers, the fact, the locator its first citation must carry)
    "commentary.pdf": ("Від якого оператора сторона отримує дані протягом сорока восьми годин?",
                       "оператора Бета", "с. 2, абз. 2"),
    "notes.docx": ("У справі якого оператора ордер на розкриття видає суд?", "оператора Гамма",
                   "«Розкриття даних», абз. 1"),
    "blog.html": ("Чию поштову скриньку наведено як приклад підбору пароля?", "сусіда Омеги", "› Ознаки складу», абз. 4"),
    "notes-cp1251.txt": ("До якого оператора був запит щодо журналів доступу за квітень?", "оператора Дельта",
                         "абз. 3"),
}
ARTICLE_16 = "article 16"  # a question the Convention answers: commentary naming the article comes beside it


def qa(index_dir: Path, *args: str, corpus_dir: Path = CORPUS_DIR) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_INDEX_DIR=str(index_dir), QA_CORPUS_DIR=str(corpus_dir), PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "qa", *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def fingerprint(index_dir: Path) -> dict[str, str]:
    """sha256 of CURRENT, of every file of the build it names, and of the registry's database."""
    build = current_build(index_dir)
    out = {CURRENT: sha256_file(index_dir / CURRENT)}
    out.update({f"build/{p.name}": sha256_file(p) for p in sorted(build.iterdir())})
    if (index_dir / "sources.sqlite").is_file():
        out["sources.sqlite"] = sha256_file(index_dir / "sources.sqlite")
    return out


def copy_index(source_dir: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    build = current_build(source_dir)
    shutil.copytree(build, target / build.name)
    (target / CURRENT).write_text(build.name, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("library")
    html = folder / "blog.html"
    html.write_text(files.NAV_HTML, encoding="utf-8")
    text = folder / "notes-cp1251.txt"
    text.write_bytes(files.CP1251_TEXT.encode("cp1251"))
    return {"commentary.pdf": files.write_pdf(folder / "commentary.pdf", title="Коментар до статті 16"),
            "notes.docx": files.write_docx(folder / "notes.docx"), "blog.html": html, "notes-cp1251.txt": text}


@pytest.fixture(scope="module")
def base_index(real_settings, real_index, tmp_path_factory) -> Path:
    """A copy of the session's real index, never changed: each test copies it again before writing."""
    return copy_index(real_settings.index_dir, tmp_path_factory.mktemp("base") / "index")


def ask_all(index_dir: Path, tmp_path: Path) -> dict[str, dict]:
    """Every file's question in one `qa ask --json --file` run, by file name."""
    batch = tmp_path / "questions.jsonl"
    questions = {name: q for name, (q, _, _) in FACTS.items()} | {ARTICLE_16: "Що передбачає стаття 16?"}
    batch.write_text("".join(json.dumps({"id": name, "question": q}, ensure_ascii=False) + "\n"
                             for name, q in questions.items()), encoding="utf-8")
    out = qa(index_dir, "ask", "--json", "--file", str(batch))
    assert out.returncode == 0, out.stderr
    return {record["id"]: record for record in map(json.loads, out.stdout.splitlines())}


@pytest.fixture(scope="module")
def before(base_index, tmp_path_factory) -> dict[str, dict]:
    return ask_all(base_index, tmp_path_factory.mktemp("before"))


@pytest.fixture(scope="module")
def ingested(base_index, library, tmp_path_factory) -> dict:
    """All four files ingested in one `qa ingest` run into a copy of the index, then asked about."""
    index_dir = copy_index(base_index, tmp_path_factory.mktemp("ingested") / "index")
    out = qa(index_dir, "ingest", *map(str, library.values()))
    assert out.returncode == 0, out.stderr
    listed = json.loads(qa(index_dir, "sources", "list", "--json").stdout)
    ids = {item["file_name"]: item["id"] for item in listed}
    return {"dir": index_dir, "stdout": out.stdout, "listed": listed, "ids": ids,
            "answers": ask_all(index_dir, tmp_path_factory.mktemp("after"))}


def test_nothing_answers_the_questions_before_the_files_are_added(before):
    for name, (_, fact, _) in FACTS.items():
        assert not any(fact in c["quote"] for c in before[name]["citations"]), name


@pytest.mark.parametrize("name", list(FACTS))
def test_ingested_source_answers_with_page_or_heading_and_a_verbatim_quote(ingested, library, name):
    _, fact, where = FACTS[name]
    answer = ingested["answers"][name]
    assert not answer["abstained"], answer.get("abstain_reason")
    first = answer["citations"][0]
    assert first["source"] == ingested["ids"][name]
    assert first["label"].startswith("Коментар: ") and first["label"].endswith(where), first["label"]
    assert fact in first["quote"]
    blocks = [b.text for b in read_document(library[name]).blocks]  # read again, independently of the index
    assert any(first["quote"] in text for text in blocks), "the quote is not verbatim text of the file"
    assert first["page"] == (2 if name.endswith(".pdf") else None)
    assert answer["schema_version"] == 2


def test_labels_in_both_languages_and_long_blocks_cut_verbatim(library):
    from qa.answering.citations import label
    from qa.sources.formats import Block, SourceDocument
    from qa.sources.ingest import commentary_chunks
    from qa.sources.registry import SourceRecord

    record = SourceRecord("abc123abc123", "0" * 64, "Посібник", "commentary", ("uk",), "pdf", None, "p.pdf",
                          "abc123abc123.pdf", 1, "2026-01-01T00:00:00+00:00")
    long_text = "Стаття 16 передбачає збереження даних. " * 80  # ~3 100 characters: two pieces
    document = SourceDocument("Посібник", "pdf", (
        Block("Розділ 1", kind="heading", page=12),
        Block("Article 16 and Articles 2 to 3 apply.", page=12, heading_path=("Розділ 1",), paragraph=3),
        Block(long_text.strip(), page=13, heading_path=("Розділ 1",), paragraph=1)))
    first, *pieces = commentary_chunks(record, document)
    assert label(first, "uk") == "Коментар: Посібник, с. 12, абз. 3"
    assert label(first, "en") == "Commentary: Посібник, p. 12, para. 3"
    assert first.refs == ("16", "2", "3") and first.chunk_id == "abc123abc123:1" and first.kind == "commentary"
    assert [c.chunk_id for c in pieces] == ["abc123abc123:2.1", "abc123abc123:2.2"]
    assert all(c.page == 13 and c.paragraph == "1" and len(c.text) <= 2000 for c in pieces)
    assert " ".join(c.text for c in pieces) == long_text.strip()  # verbatim, nothing lost
    docx = dataclasses.replace(first, page=None)
    assert label(docx, "uk") == "Коментар: Посібник, «Розділ 1», абз. 3"
    assert label(docx, "en") == "Commentary: Посібник, “Розділ 1”, para. 3"
    assert "Розділ 1" in docx.embedding_text()


def test_commentary_naming_an_article_comes_beside_it_and_the_article_still_answers(ingested, before):
    after = ingested["answers"][ARTICLE_16]
    assert [c["chunk_id"] for c in after["citations"]] == [c["chunk_id"] for c in before[ARTICLE_16]["citations"]]
    assert after["citations"][0]["article"] == "16"
    added = set(ingested["ids"].values())
    beside = [r for r in after["retrieved"] if r["source"] in added]
    assert beside, "no paragraph of the added commentary on Article 16 was retrieved with it"
    build = current_build(ingested["dir"])
    rows = dict(sqlite3.connect(build / "chunks.sqlite").execute("SELECT chunk_id, refs FROM chunks").fetchall())
    assert any("16" in json.loads(rows[r["chunk_id"]]) for r in beside)


def test_ingest_reports_and_lists_each_source(ingested):
    assert ingested["stdout"].count("added ") == 4 and "cp1251" in ingested["stdout"]
    by_name = {item["file_name"]: item for item in ingested["listed"]}
    assert by_name["commentary.pdf"]["format"] == "pdf" and by_name["notes-cp1251.txt"]["encoding"] == "cp1251"
    assert all(item["in_index"] and item["chunk_count"] > 0 for item in ingested["listed"])
    text = qa(ingested["dir"], "sources", "list").stdout
    assert "Нотатки адвоката" in text and "chunks" in text


def test_adding_keeps_every_old_row_and_vector_and_lists_sources_in_the_manifest(ingested, base_index):
    old, new = load_index(current_build(base_index), _Dim()), load_index(current_build(ingested["dir"]), _Dim())
    n = len(old.chunks)
    assert [c.chunk_id for c in new.chunks[:n]] == [c.chunk_id for c in old.chunks]
    for name in ("vectors", "vectors_en"):
        before, after = getattr(old, name), getattr(new, name)
        assert np.array_equal(after.reconstruct_n(0, n), before.reconstruct_n(0, n))
    added = new.chunks[n:]
    assert {c.source for c in added} == set(ingested["ids"].values())
    assert new.manifest["sources"] and {s["id"] for s in new.manifest["sources"]} == set(ingested["ids"].values())
    assert sum(s["chunk_count"] for s in new.manifest["sources"]) == len(added)
    settings = load_settings(environ={}, index_dir=ingested["dir"], corpus_dir=CORPUS_DIR)
    assert check_status(settings).state == "ok"  # checksums of the new files verified
    pdf_chunks = [c for c in added if c.source == ingested["ids"]["commentary.pdf"]]
    naming_16 = next(c for c in pdf_chunks if "статтею 16" in c.text)
    assert "16" in naming_16.refs and naming_16.page == 1 and naming_16.path == ("Розділ 1. Збереження даних",)


class _Dim:
    dim = 384


def test_the_same_file_again_is_a_no_op_that_says_so(ingested, library):
    before = fingerprint(ingested["dir"])
    out = qa(ingested["dir"], "ingest", str(library["notes.docx"]))
    assert out.returncode == 0 and "already registered" in out.stdout and "nothing changed" in out.stdout
    assert fingerprint(ingested["dir"]) == before


def test_remove_restores_the_previous_answers(base_index, library, before, tmp_path):
    index_dir = copy_index(base_index, tmp_path / "index")
    assert qa(index_dir, "ingest", str(library["commentary.pdf"])).returncode == 0
    source_id = json.loads(qa(index_dir, "sources", "list", "--json").stdout)[0]["id"]
    out = qa(index_dir, "sources", "remove", source_id)
    assert out.returncode == 0 and f"removed {source_id}" in out.stdout and "5 chunk(s)" in out.stdout
    settings = load_settings(environ={}, index_dir=index_dir, corpus_dir=CORPUS_DIR)
    status = check_status(settings)
    assert status.state == "ok" and status.manifest["sources"] == []
    assert status.manifest["chunk_count"] == json.loads((current_build(base_index) / "manifest.json")
                                                        .read_text())["chunk_count"]
    again = ask_all(index_dir, tmp_path)
    for name in FACTS:
        keep = ("answer", "abstained", "citations")
        assert {k: again[name][k] for k in keep} == {k: before[name][k] for k in keep}, name
    assert json.loads(qa(index_dir, "sources", "list", "--json").stdout) == []
    assert qa(index_dir, "sources", "remove", source_id).returncode == 2  # no such source now


# --- bad input: one line, non-zero exit, nothing changed --------------------------------------------------


def _bad_files(folder: Path, good_pdf: Path) -> dict[str, tuple[Path, str]]:
    garbage = folder / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + random.Random(7).randbytes(4000))
    truncated = folder / "truncated.pdf"
    truncated.write_bytes(good_pdf.read_bytes()[: good_pdf.stat().st_size // 2])
    empty = folder / "empty.pdf"
    empty.touch()
    huge = folder / "huge.pdf"
    subprocess.run(["truncate", "-s", "200M", str(huge)], check=True)  # sparse: no 200 MB written
    unknown = folder / "data.xyz"
    unknown.write_bytes("просто текст".encode())
    return {
        "corrupted": (garbage, "corrupted PDF"),
        "truncated": (truncated, "corrupted PDF"),
        "encrypted": (files.write_encrypted_pdf(good_pdf, folder / "locked.pdf"), "encrypted PDF"),
        "scanned": (files.write_scanned_pdf(folder / "scan.pdf"), "no OCR here"),
        "empty": (empty, "the file is empty"),
        "200 MB": (huge, "200 MB is over the 50 MB limit"),
        "unknown format": (unknown, "unknown format '.xyz'"),
        "zip as docx": (files.write_zip_as_docx(folder / "notes.docx"), "zip archive of something else"),
    }


BAD = ["corrupted", "truncated", "encrypted", "scanned", "empty", "200 MB", "unknown format", "zip as docx"]


@pytest.fixture(scope="module")
def mini_with_source(tmp_path_factory, library) -> dict:
    """A mini-corpus index holding one ingested source (so sources.sqlite exists and has a row)."""
    from tests.conftest import MINI_CONVENTION

    root = tmp_path_factory.mktemp("mini")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "convention.txt").write_text(MINI_CONVENTION, encoding="utf-8")
    out = qa(root / "index", "ingest", str(library["notes-cp1251.txt"]), corpus_dir=corpus)
    assert out.returncode == 0, out.stderr
    return {"index": root / "index", "corpus": corpus, "bad": _bad_files(root, library["commentary.pdf"])}


@pytest.mark.parametrize("kind", BAD)
def test_bad_file_one_line_nonzero_exit_index_unchanged(mini_with_source, kind):
    index_dir, corpus = mini_with_source["index"], mini_with_source["corpus"]
    path, needle = mini_with_source["bad"][kind]
    before = fingerprint(index_dir)
    out = qa(index_dir, "ingest", str(path), corpus_dir=corpus)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path.name}: ") and needle in lines[0], out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert fingerprint(index_dir) == before


def test_a_bad_file_among_good_ones_is_reported_and_the_good_ones_added(mini_with_source, library, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(mini_with_source["index"], index_dir)
    bad, needle = mini_with_source["bad"]["unknown format"]
    out = qa(index_dir, "ingest", str(bad), str(library["notes.docx"]), corpus_dir=mini_with_source["corpus"])
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0]
    assert out.stdout.startswith("added ") and "7 chunk(s) indexed" in out.stdout
    listed = json.loads(qa(index_dir, "sources", "list", "--json", corpus_dir=mini_with_source["corpus"]).stdout)
    assert [item["file_name"] for item in listed] == ["notes-cp1251.txt", "notes.docx"]


# --- atomic: a crash or a failure before the swap leaves the previous index in use ----------------------

KILL_BEFORE_SWAP = """
import os, signal, sys
import qa.indexing.incremental as incremental
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # the new build is written aside; CURRENT still names the old one
incremental.publish = killed
from qa.surfaces.cli import main
sys.argv = ["qa", "ingest", sys.argv[1]]
main()
"""


def test_killed_between_embedding_and_swap_the_old_index_loads_and_answers(mini_with_source, library, tmp_path):
    from qa.answering.pipeline import Assistant
    from qa.indexing.embedders import embedder_for

    index_dir = tmp_path / "index"
    shutil.copytree(mini_with_source["index"], index_dir)
    settings = load_settings(environ={}, index_dir=index_dir, corpus_dir=mini_with_source["corpus"])
    before = fingerprint(index_dir)
    old_build = current_build(index_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_INDEX_DIR=str(index_dir), QA_CORPUS_DIR=str(settings.corpus_dir))
    run = subprocess.run([sys.executable, "-c", KILL_BEFORE_SWAP, str(library["commentary.pdf"])], env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == -signal.SIGKILL, run.stderr
    staged = [p for p in index_dir.iterdir() if p.name.startswith(".build-")]
    assert staged and (staged[0] / "vectors.faiss").is_file()  # it died after embedding, before the swap
    after = fingerprint(index_dir)
    assert {k: v for k, v in after.items() if k != "sources.sqlite"} == \
        {k: v for k, v in before.items() if k != "sources.sqlite"}  # the live build: not a byte changed
    embedder = embedder_for(settings)
    old = load_index(old_build, embedder)
    answer = Assistant(settings, index=old).ask("Що таке незаконний доступ?")
    assert not answer.abstained and answer.citations[0].article == "2"
    # the registry committed the source before the kill: the same file again brings the index up to it
    again = qa(index_dir, "ingest", str(library["commentary.pdf"]), corpus_dir=settings.corpus_dir)
    assert again.returncode == 0 and "missing from the index: 5 chunk(s) indexed now" in again.stdout, again.stderr
    assert current_build(index_dir) != old_build and not any(p.name.startswith(".build-") for p in index_dir.iterdir())
    assert check_status(settings).state == "ok"
    assert any("оператора Бета" in c.text for c in open_index(settings).chunks)


def test_loading_the_index_repairs_a_registry_ahead_of_it_either_way(mini_with_source, library, tmp_path):
    from qa.sources.registry import SourceRegistry

    index_dir = tmp_path / "index"
    shutil.copytree(mini_with_source["index"], index_dir)
    settings = load_settings(environ={}, index_dir=index_dir, corpus_dir=mini_with_source["corpus"])
    registry = SourceRegistry(index_dir)
    old_id = registry.list()[0].id
    added = registry.add(library["notes.docx"]).record  # as if the process died before the index swap
    registry.remove(old_id)  # as if it died between the registry's removal and the index's
    index = open_index(settings)
    assert [s["id"] for s in index.manifest["sources"]] == [added.id]
    assert {c.source for c in index.chunks if c.kind == "commentary"} == {added.id}
    assert any("оператора Гамма" in c.text for c in index.chunks)
    assert not any("оператора Дельта" in c.text for c in index.chunks)


def test_failure_before_the_swap_changes_nothing(mini_with_source, library, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qa.indexing import incremental
    from qa.surfaces.cli import cli

    index_dir = tmp_path / "index"
    shutil.copytree(mini_with_source["index"], index_dir)
    from qa.sources.registry import SourceRegistry

    before, registered = fingerprint(index_dir), SourceRegistry(index_dir).list()

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(incremental, "publish", broken)
    result = CliRunner().invoke(cli, ["--index-dir", str(index_dir), "--corpus-dir", str(mini_with_source["corpus"]),
                                      "ingest", str(library["notes.docx"])])
    assert result.exit_code != 0
    after = fingerprint(index_dir)
    after.pop("sources.sqlite"), before.pop("sources.sqlite")  # its bytes: SQLite's change counter moved
    assert after == before  # the old build is live, not a byte of it changed
    assert SourceRegistry(index_dir).list() == registered  # and the registry forgot the file
    assert sorted(p.name for p in (index_dir / "sources").iterdir()) == [r.stored_name for r in registered]
    assert not any(p.name.startswith(".build-") for p in index_dir.iterdir())


def test_a_full_rebuild_after_a_corpus_change_keeps_the_sources(mini_with_source, tmp_path):
    root = tmp_path
    shutil.copytree(mini_with_source["index"], root / "index")
    shutil.copytree(mini_with_source["corpus"], root / "corpus")
    settings = load_settings(environ={}, index_dir=root / "index", corpus_dir=root / "corpus")
    ids = [s["id"] for s in check_status(settings).manifest["sources"]]
    (root / "corpus" / "commentary-extra.txt").write_text("Новий абзац коментаря.\n", encoding="utf-8")
    assert check_status(settings).state == "stale"
    index = open_index(settings)  # rebuilt whole: corpus and registered sources
    assert [s["id"] for s in index.manifest["sources"]] == ids
    assert any("оператора Дельта" in c.text for c in index.chunks)
    assert any("Новий абзац" in c.text for c in index.chunks)
    rows = sqlite3.connect(current_build(root / "index") / "chunks.sqlite").execute(
        "SELECT count(*) FROM chunks WHERE source = ?", (ids[0],)).fetchone()[0]
    assert rows == index.manifest["sources"][0]["chunk_count"] == 3


def test_an_act_ingested_from_text_is_cited_as_its_own_document(base_index, tmp_path):
    """`qa ingest --kind act`: a second act's articles are cited by its name (`п. 1 ст. 2 Закону України «…»`),
    and a plain `ст. 2` still means the Convention."""
    from .test_act_parser import LAW, LAW_TITLE, LAW_UK

    index_dir = copy_index(base_index, tmp_path / "index")
    law = tmp_path / "zakon.txt"
    law.write_text(LAW, encoding="utf-8")
    out = qa(index_dir, "ingest", str(law), "--kind", "act", "--title", LAW_TITLE)
    assert out.returncode == 0, out.stderr
    batch = tmp_path / "questions.jsonl"
    questions = {"law": f"Що передбачає стаття 2 {LAW_UK}?", "convention": "Що передбачає стаття 2?"}
    batch.write_text("".join(json.dumps({"id": k, "question": q}, ensure_ascii=False) + "\n"
                             for k, q in questions.items()), encoding="utf-8")
    answers = {a["id"]: a for a in map(json.loads, qa(index_dir, "ask", "--json", "--file", str(batch)).stdout.splitlines())}
    first = answers["law"]["citations"][0]
    assert first["label"].endswith(f"ст. 2 {LAW_UK}") and first["part"].endswith(":art2"), first
    assert first["quote"] in LAW.replace("\n", " ") or first["quote"] in LAW
    assert answers["convention"]["citations"][0]["part"] == "2"
