"""Built artefacts on disk: FAISS vectors + SQLite chunk store + manifest, swapped in atomically.

Layout: `<index_dir>/CURRENT` names the live build folder; a build is written aside in a
temporary folder and only then named in CURRENT (os.replace), so a reader never sees half an
index. The manifest records what the build was made from; a build whose corpus or embedder
differs from the current settings is stale, one whose files do not match their checksums is
corrupted, and either is rebuilt (or refused) — never silently used.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .bm25 import BM25
from .chunks import Chunk
from .config import Settings
from .corpus import corpus_files, corpus_hash, load_chunks
from .embedders import Embedder, embedder_for
from .errors import IndexCorrupted
from .lexicon import document_terms
from .store import read_store, write_store

FORMAT_VERSION = 1
VECTORS, STORE, MANIFEST, CURRENT = "vectors.faiss", "chunks.sqlite", "manifest.json", "CURRENT"
EMBED_BATCH = 128  # passages per embedder call: the onnx engine sorts each call by length to pad little

Progress = Callable[[str, float], None]


def _quiet(_message: str, _fraction: float) -> None:
    pass


@dataclass
class Index:
    """A loaded, verified index: chunks in FAISS row order, the vectors, and the lexical index."""

    chunks: list[Chunk]
    vectors: object  # faiss.Index
    bm25: BM25
    manifest: dict
    embedder: Embedder
    path: Path

    def __post_init__(self) -> None:
        self.row_of = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    def by_article(self, article: str) -> list[int]:
        return [i for i, c in enumerate(self.chunks) if c.source == "convention" and c.article == article]


@dataclass(frozen=True)
class Status:
    state: str  # ok | missing | stale | corrupted
    reason: str
    path: Path | None
    manifest: dict | None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One builder at a time per index folder; others wait, then find the fresh build."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def current_build(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return index_dir / name if name else None


def check_status(settings: Settings, embedder_id: str | None = None) -> Status:
    """Compare the live build with the corpus on disk and the configured embedder."""
    build = current_build(settings.index_dir)
    if build is None:
        return Status("missing", "no index built yet", None, None)
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Status("corrupted", f"manifest unreadable: {exc}", build, None)
    if manifest.get("format_version") != FORMAT_VERSION:
        return Status("stale", "index format changed", build, manifest)
    for name, expected in manifest.get("checksums", {}).items():
        path = build / name
        if not path.is_file():
            return Status("corrupted", f"{name} is missing", build, manifest)
        if _sha256(path) != expected:
            return Status("corrupted", f"{name} does not match its checksum", build, manifest)
    files = corpus_files(settings.corpus_dir)
    if manifest.get("corpus_hash") != corpus_hash(files):
        return Status("stale", "the corpus changed since the index was built", build, manifest)
    wanted = embedder_id or _embedder_key(settings)
    if manifest.get("embedder_key") != wanted:
        return Status("stale", f"built with embedder {manifest.get('embedder_key')}, configured {wanted}", build, manifest)
    return Status("ok", "up to date", build, manifest)


def _embedder_key(settings: Settings) -> str:
    return f"{settings.embedder}:{settings.embedder_model}" if settings.embedder_model else settings.embedder


def build_index(settings: Settings, progress: Progress = _quiet) -> Path:
    """Parse, embed and write a new build aside, then make it current; returns the build folder."""
    import faiss

    started = time.perf_counter()
    files = corpus_files(settings.corpus_dir)
    progress("parsing corpus", 0.0)
    chunks = load_chunks(files)
    embedder = embedder_for(settings)
    texts = [c.embedding_text() for c in chunks]
    parts = []
    for start in range(0, len(texts), EMBED_BATCH):
        progress(f"embedding chunks {start}/{len(texts)}", 0.05 + 0.9 * start / max(len(texts), 1))
        parts.append(embedder.embed_passages(texts[start : start + EMBED_BATCH]))
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    progress("writing index", 0.95)
    terms = [document_terms(c.embedding_text(), c.title_en) for c in chunks]

    settings.index_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=settings.index_dir))
    try:
        flat = faiss.IndexFlatIP(embedder.dim)
        flat.add(vectors)
        faiss.write_index(flat, str(staging / VECTORS))
        write_store(staging / STORE, chunks, terms)
        manifest = {
            "format_version": FORMAT_VERSION,
            "corpus_hash": corpus_hash(files),
            "corpus_files": [f.path.name for f in files],
            "embedder_key": _embedder_key(settings),
            "embedder_id": embedder.id,
            "dimension": embedder.dim,
            "chunk_count": len(chunks),
            "faiss_index": "IndexFlatIP",
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 2),
            "checksums": {name: _sha256(staging / name) for name in (VECTORS, STORE)},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        final = settings.index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{staging.name[-6:]}"
        staging.rename(final)
        pointer_tmp = settings.index_dir / f".{CURRENT}.{os.getpid()}"
        pointer_tmp.write_text(final.name, encoding="utf-8")
        os.replace(pointer_tmp, settings.index_dir / CURRENT)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _remove_old_builds(settings.index_dir, keep=final.name)
    progress("index ready", 1.0)
    return final


def _remove_old_builds(index_dir: Path, keep: str) -> None:
    for entry in index_dir.iterdir():
        if entry.is_dir() and entry.name.startswith("build-") and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)


def load_index(build: Path, embedder: Embedder) -> Index:
    """Read a verified build; any inconsistency is IndexCorrupted, never a half-used index."""
    import faiss

    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        chunks, terms = read_store(build / STORE)
        vectors = faiss.read_index(str(build / VECTORS))
    except (OSError, ValueError, RuntimeError, sqlite3.DatabaseError) as exc:
        raise IndexCorrupted(f"index at {build} cannot be read: {exc}") from exc
    if not (vectors.ntotal == len(chunks) == manifest.get("chunk_count")):
        raise IndexCorrupted(f"index at {build}: {vectors.ntotal} vectors for {len(chunks)} chunks")
    if vectors.d != embedder.dim:
        raise IndexCorrupted(f"index at {build}: dimension {vectors.d}, embedder gives {embedder.dim}")
    return Index(chunks, vectors, BM25(terms), manifest, embedder, build)


def open_index(settings: Settings, progress: Progress = _quiet) -> Index:
    """The up-to-date index for these settings, building or rebuilding it when needed and allowed."""
    embedder = embedder_for(settings)
    status = check_status(settings)
    if status.state != "ok":
        if status.state != "missing" and not settings.rebuild_stale:
            raise IndexCorrupted(f"index is {status.state}: {status.reason} (run `qa index build`)")
        with _build_lock(settings.index_dir):
            status = check_status(settings)  # another process may have built it while we waited
            if status.state != "ok":
                progress(f"building index ({status.reason})", 0.0)
                build_index(settings, progress)
                status = check_status(settings)
    if status.path is None or status.state != "ok":
        raise IndexCorrupted(f"index could not be made ready: {status.reason}")
    return load_index(status.path, embedder)
