"""The source registry on a real SQLite file and a real store folder: add / list / get / remove, the same
file twice as a no-op, bad input changing nothing, and a crash mid-add leaving the previous state."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from qa.config import PROJECT_ROOT
from qa.errors import IndexUnwritable
from qa.sources.formats import IngestError
from qa.sources.registry import DB_NAME, STORE_NAME, SourceRecord, SourceRegistry
from tests import source_files as files


def _state(base: Path) -> tuple[str, list[tuple[str, str]]]:
    """Checksum of the database file and of every stored copy: what 'nothing changed' is measured by."""
    db = hashlib.sha256((base / DB_NAME).read_bytes()).hexdigest()
    stored = sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (base / STORE_NAME).iterdir())
    return db, stored


@pytest.fixture()
def registry(tmp_path) -> SourceRegistry:
    return SourceRegistry(tmp_path / "index")


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory) -> Path:
    return files.write_pdf(tmp_path_factory.mktemp("pdf") / "commentary.pdf")


def test_add_records_and_copies_the_source(registry, pdf_path):
    result = registry.add(pdf_path)
    record = result.record
    checksum = hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    assert result.new and result.document is not None and result.document.pages == 2
    assert (record.id, record.sha256) == (checksum[:12], checksum)
    assert (record.title, record.kind, record.languages, record.format) == \
        ("Розділ 1. Збереження даних", "commentary", ("uk",), "pdf")
    assert record.file_name == "commentary.pdf" and record.size_bytes == pdf_path.stat().st_size
    assert datetime.fromisoformat(record.added_at).tzinfo is not None
    stored = registry.stored_path(record)
    assert stored.parent == registry.store_dir and stored.read_bytes() == pdf_path.read_bytes()
    assert result.message.startswith(f"added {record.id}: ") and "pdf" in result.message
    # a second registry over the same folder reads the same SQLite file, and the stored copy reads back
    assert SourceRegistry(registry.base_dir).list() == [record]
    assert registry.read(record) == result.document
    assert SourceRecord.from_json(record.to_json()) == record


def test_same_file_twice_is_a_no_op_that_says_so(registry, pdf_path, tmp_path):
    first = registry.add(pdf_path, title="Коментар")
    before = _state(registry.base_dir)
    copy = tmp_path / "renamed copy.pdf"
    copy.write_bytes(pdf_path.read_bytes())
    again = registry.add(copy, title="Інша назва", kind="act")
    assert not again.new and again.record == first.record and again.document is None
    assert "already registered" in again.message and first.record.id in again.message
    assert _state(registry.base_dir) == before and len(registry.list()) == 1


def test_title_and_kind_given_or_inferred(registry, tmp_path):
    page = tmp_path / "994_575.htm"
    page.write_bytes(files.zakon_html())
    act = registry.add(page).record
    assert (act.kind, act.title, act.encoding) == ("act", "Конвенція про кіберзлочинність", "cp1251")
    notes = tmp_path / "notes.txt"
    notes.write_bytes(files.CP1251_TEXT.encode("cp1251"))
    given = registry.add(notes, title="  Мої нотатки ", kind="translation").record
    assert (given.title, given.kind, given.encoding) == ("Мої нотатки", "translation", "cp1251")
    assert [r.id for r in registry.list()] == [act.id, given.id]
    assert registry.get(given.id) == given
    with pytest.raises(IngestError, match="unknown kind 'essay'; use one of commentary, act, translation"):
        registry.add(notes, kind="essay")


def test_remove_deletes_record_and_copy(registry, pdf_path, tmp_path):
    keep_file = tmp_path / "lecture.md"
    keep_file.write_text(files.MARKDOWN_TEXT, encoding="utf-8")
    keep = registry.add(keep_file).record
    gone = registry.add(pdf_path).record
    assert registry.remove(gone.id) == gone
    assert registry.list() == [keep]
    assert sorted(p.name for p in registry.store_dir.iterdir()) == [keep.stored_name]
    for call in (registry.get, registry.remove):
        with pytest.raises(IngestError) as caught:
            call(gone.id)
        assert str(caught.value) == f"no source with id '{gone.id}'; `qa sources list` shows the ids"
    assert registry.add(pdf_path).new  # removed sources can come back


def _bad_inputs(tmp: Path, pdf_path: Path) -> list[Path]:
    corrupted = tmp / "corrupted.pdf"
    corrupted.write_bytes(pdf_path.read_bytes()[:2000])
    empty = tmp / "empty.txt"
    empty.touch()
    huge = tmp / "huge.pdf"
    subprocess.run(["truncate", "-s", "200M", str(huge)], check=True)
    unknown = tmp / "picture.png"
    unknown.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    salad = tmp / "salad.txt"
    rng = random.Random(5)
    salad.write_bytes(bytes(rng.choice(list(range(0x80, 0x100)) + [0x20] * 20) for _ in range(2000)))
    return [corrupted, files.write_encrypted_pdf(pdf_path, tmp / "locked.pdf"),
            files.write_scanned_pdf(tmp / "scan.pdf"), empty, huge, unknown,
            files.write_zip_as_docx(tmp / "fake.docx"), salad]


def test_bad_inputs_change_nothing(registry, pdf_path, tmp_path):
    registry.add(pdf_path)
    before = _state(registry.base_dir)
    for bad in _bad_inputs(tmp_path, pdf_path):
        with pytest.raises(IngestError) as caught:
            registry.add(bad)
        assert str(caught.value).startswith(f"{bad.name}: ") and "\n" not in str(caught.value)
        assert _state(registry.base_dir) == before, bad.name
    assert len(registry.list()) == 1


def test_size_limit_is_a_setting(tmp_path, pdf_path):
    small = SourceRegistry(tmp_path / "index", max_bytes=1024)
    with pytest.raises(IngestError, match="KB is over the 1 KB limit"):
        small.add(pdf_path)
    assert small.list() == []


def test_failed_copy_rolls_back(registry, pdf_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        registry.add(pdf_path)
    monkeypatch.undo()
    assert registry.list() == [] and list(registry.store_dir.iterdir()) == []


def test_crash_between_copy_and_commit_leaves_previous_state(registry, pdf_path, tmp_path):
    """A real process dies after the copy is renamed into place but before the record commits."""
    notes = tmp_path / "notes.txt"
    notes.write_bytes(files.CP1251_TEXT.encode("cp1251"))
    kept = registry.add(notes).record
    script = textwrap.dedent(f"""
        import os
        from qa.sources.registry import SourceRegistry
        real_replace = os.replace
        def replace_then_die(src, dst):
            real_replace(src, dst)
            os._exit(9)
        os.replace = replace_then_die
        SourceRegistry({str(registry.base_dir)!r}).add({str(pdf_path)!r})
    """)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    died = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert len(list(registry.store_dir.iterdir())) == 2  # the orphan copy is there...
    reopened = SourceRegistry(registry.base_dir)
    assert reopened.list() == [kept]  # ...the record is not...
    assert [p.name for p in reopened.store_dir.iterdir()] == [kept.stored_name]  # ...and the sweep removed it
    assert reopened.add(pdf_path).new


def test_registry_in_an_unwritable_place(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(IndexUnwritable, match="cannot open the source registry there"):
        SourceRegistry(blocker / "index")  # a folder cannot be made under a file, even as root
