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
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..checksums import sha256_file
from ..config import Settings
from ..errors import IndexCorrupted, IndexUnwritable
from ..sources.chunks import Chunk
from ..sources.corpus import corpus_files, corpus_hash, load_chunks
from ..sources.ingest import registered_sources
from ..sources.lexicon import document_terms, en_terms
from ..sources.profiles import load_profiles, profiles_hash
from ..sources.registry import SourceRecord
from .bm25 import BM25
from . import ann
from .embedders import Embedder, embedder_for
from .profile_vectors import CLASSIFIER, FILES as PROFILE_FILES, ProfileVectors
from .store import read_store, write_store

FORMAT_VERSION = 4  # 3: article profiles embedded beside the chunks; 4: and the classifier fitted on them
VECTORS, STORE, MANIFEST, CURRENT = "vectors.faiss", "chunks.sqlite", "manifest.json", "CURRENT"
VECTORS_EN = "vectors.en.faiss"  # the English version of each provision, row for row (zeros where none)
CHECKSUMMED = (VECTORS, VECTORS_EN, STORE, *PROFILE_FILES)  # the profiles' files: profile_vectors
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
    vectors_en: object | None = None  # faiss.Index of the English versions, row for row
    profiles: ProfileVectors | None = None

    def __post_init__(self) -> None:
        self.row_of = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    @cached_property
    def bm25_en(self) -> BM25:
        """BM25 over the English text (Snowball stems), made when an English question first needs it: stemming
        every passage is a quarter of a second a Ukrainian question's cold start need not wait for."""
        return BM25([en_terms(f"{c.title_en} {c.english_text()}") if c.english_text() else [] for c in self.chunks])

    def by_article(self, article: str, source: str = "convention") -> list[int]:
        """Rows of an article of the Convention, or of the act `source`."""
        return [i for i, c in enumerate(self.chunks) if c.source == source and c.article == article]


@dataclass(frozen=True)
class Status:
    state: str  # ok | missing | stale | corrupted
    reason: str
    path: Path | None
    manifest: dict | None


def _unwritable(index_dir: Path, exc: OSError) -> IndexUnwritable:
    return IndexUnwritable(f"cannot write the index folder {index_dir} ({exc.strerror or exc}); "
                           "choose another with --index-dir or QA_INDEX_DIR")


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One builder at a time per index folder; others wait, then find the fresh build."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(index_dir / ".lock", "w")
    except OSError as exc:
        raise _unwritable(index_dir, exc) from exc
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_BUILD_NAME = re.compile(r"build-[A-Za-z0-9_.-]+")


def _pointer(index_dir: Path) -> tuple[Path | None, str | None]:
    """(the build CURRENT names, None), (None, None) when there is no CURRENT, or (None, what is wrong)."""
    pointer = index_dir / CURRENT
    if not pointer.exists() and not pointer.is_symlink():
        return None, None
    if not pointer.is_file():
        return None, f"{CURRENT} is not a file"
    try:
        name = pointer.read_bytes()[:256].decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{CURRENT} cannot be read ({getattr(exc, 'strerror', None) or exc.__class__.__name__})"
    if not _BUILD_NAME.fullmatch(name) or not (index_dir / name).is_dir():
        return None, f"{CURRENT} names no build folder of this index"
    return index_dir / name, None


def current_build(index_dir: Path) -> Path | None:
    return _pointer(index_dir)[0]


def check_status(settings: Settings, embedder_id: str | None = None) -> Status:
    """Compare the live build with the corpus on disk and the configured embedder."""
    build, problem = _pointer(settings.index_dir)
    if problem:
        return Status("corrupted", problem, None, None)
    if build is None:
        return Status("missing", "no index built yet", None, None)
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Status("corrupted", f"manifest unreadable: {exc}", build, None)
    if not isinstance(manifest, dict):
        return Status("corrupted", "manifest is not an object", build, None)
    if manifest.get("format_version") != FORMAT_VERSION:
        return Status("stale", "index format changed", build, manifest)
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or set(checksums) != set(CHECKSUMMED):
        return Status("corrupted", "the manifest's checksums are missing or incomplete", build, manifest)
    for name, expected in checksums.items():
        path = build / name
        if not path.is_file():
            return Status("corrupted", f"{name} is missing", build, manifest)
        if sha256_file(path) != expected:
            return Status("corrupted", f"{name} does not match its checksum", build, manifest)
    mismatch = _manifest_mismatch(build, manifest)
    if mismatch:
        return Status("corrupted", mismatch, build, manifest)
    files = corpus_files(settings.corpus_dir)
    if manifest.get("corpus_hash") != corpus_hash(files):
        return Status("stale", "the corpus changed since the index was built", build, manifest)
    if manifest.get("profiles_hash") != profiles_hash(settings.profiles_path):
        return Status("stale", "the article profiles changed since the index was built", build, manifest)
    wanted = embedder_id or _embedder_key(settings)
    if manifest.get("embedder_key") != wanted:
        return Status("stale", f"built with embedder {manifest.get('embedder_key')}, configured {wanted}", build, manifest)
    return Status("ok", "up to date", build, manifest)


def _manifest_mismatch(build: Path, manifest: dict) -> str | None:
    """What the manifest says about the files that the (checksummed) files contradict: the manifest itself
    has no checksum, so an edited chunk count would otherwise pass as "ok" and fail every question."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{build / STORE}?mode=ro", uri=True)) as conn:
            rows = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        _tag, dimension, total = ann.file_header(build / VECTORS)
    except (OSError, ValueError, sqlite3.DatabaseError) as exc:
        return f"index files cannot be read: {exc}"
    if manifest.get("chunk_count") != rows or total not in (None, rows):
        return f"manifest says {manifest.get('chunk_count')} chunks, the files hold {rows} chunks and {total} vectors"
    if dimension is not None and manifest.get("dimension") != dimension:
        return f"manifest says dimension {manifest.get('dimension')}, the vectors have {dimension}"
    return None


def _embedder_key(settings: Settings) -> str:
    return f"{settings.embedder}:{settings.embedder_model}" if settings.embedder_model else settings.embedder


def build_index(settings: Settings, progress: Progress = _quiet) -> Path:
    """Parse, embed and write a new build aside, then make it current; returns the build folder.

    Holds the folder's build lock (so the leftovers of killed builds can be cleared safely) and fails on
    an unwritable folder before any embedding is spent."""
    with _build_lock(settings.index_dir):
        return _build_locked(settings, progress)


def _build_locked(settings: Settings, progress: Progress) -> Path:
    """The corpus and every registered source (`qa ingest`), embedded whole: a rebuild keeps the sources."""
    started = time.perf_counter()
    files = corpus_files(settings.corpus_dir)
    _clear_leftovers(settings.index_dir)
    with staging_build(settings.index_dir) as staging:
        progress("parsing corpus", 0.0)
        chunks = load_chunks(files)
        profile_rows = load_profiles(settings.profiles_path)  # a bad annotation fails before any embedding
        sources = registered_sources(settings.index_dir)
        for _record, extra in sources:
            chunks.extend(extra)
        embedder = embedder_for(settings)
        vectors, vectors_en = embed_chunks(chunks, embedder, progress)
        profiles = ProfileVectors.of(profile_rows, embedder, settings.cache_dir)
        progress("writing index", 0.95)
        terms = [chunk_terms(c) for c in chunks]
        manifest = {
            "format_version": FORMAT_VERSION,
            "corpus_hash": corpus_hash(files),
            "corpus_files": [f.path.name for f in files],
            "embedder_key": _embedder_key(settings),
            "embedder_id": embedder.id,
            "profiles_hash": profiles_hash(settings.profiles_path),
            "dimension": embedder.dim,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 2),
            "sources": [source_entry(record, extra) for record, extra in sources],
        }
        write_build(staging, chunks, terms, vectors, vectors_en, profiles, manifest)
        final = publish(settings.index_dir, staging)
    _remove_old_builds(settings.index_dir, keep=final.name)
    progress("index ready", 1.0)
    return final


def chunk_terms(chunk: Chunk) -> list[str]:
    """The lexical index's terms of a chunk (stored beside it, so a build never recomputes old ones)."""
    return document_terms(chunk.embedding_text(), chunk.title_en)


def source_entry(record: SourceRecord, chunks: list[Chunk]) -> dict:
    """What the manifest says of a registered source: enough to compare it with the registry."""
    return {"id": record.id, "sha256": record.sha256, "title": record.title, "kind": record.kind,
            "chunk_count": len(chunks)}


def embed_chunks(chunks: list[Chunk], embedder: Embedder, progress: Progress = _quiet) -> tuple[np.ndarray, np.ndarray]:
    """Rows of both vector files for these chunks: each chunk's text with its context, and its English
    version (zeros where it has none, so the English search never finds it by accident)."""
    english_rows = [i for i, c in enumerate(chunks) if c.text_en]
    texts = [c.embedding_text() for c in chunks] + [chunks[i].embedding_text_en() for i in english_rows]
    parts = []
    for start in range(0, len(texts), EMBED_BATCH):
        progress(f"embedding passages {start}/{len(texts)}", 0.05 + 0.9 * start / max(len(texts), 1))
        parts.append(embedder.embed_passages(texts[start : start + EMBED_BATCH]))
    embedded = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    vectors = embedded[: len(chunks)]
    vectors_en = np.zeros_like(vectors)
    vectors_en[english_rows] = embedded[len(chunks) :]
    return vectors, vectors_en


@contextlib.contextmanager
def staging_build(index_dir: Path) -> Iterator[Path]:
    """A fresh folder to write a build in; removed again if anything fails before it is published."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=index_dir))
    except OSError as exc:
        raise _unwritable(index_dir, exc) from exc
    try:
        yield staging
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _unwritable(index_dir, exc) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_build(staging: Path, chunks: list[Chunk], terms: list[list[str]], vectors: np.ndarray,
                vectors_en: np.ndarray, profiles: ProfileVectors, manifest: dict) -> None:
    """Both FAISS files, the chunk store, the profiles' vectors and the manifest (with the files'
    checksums) into `staging`."""
    import faiss

    spec = ann.choose_spec(len(chunks), int(manifest["dimension"]))  # flat below the threshold, HNSW above
    for name, matrix in ((VECTORS, vectors), (VECTORS_EN, vectors_en)):
        vector_index = ann.build_vector_index(np.ascontiguousarray(matrix, dtype=np.float32), spec, zero_rows=True)
        faiss.write_index(vector_index, str(staging / name))
    write_store(staging / STORE, chunks, terms)
    profiles.write(staging)
    manifest = {**manifest, "chunk_count": len(chunks), "faiss_index": type(vector_index).__name__,
                "vector_index": spec.to_json(),
                "english_passages": sum(1 for c in chunks if c.text_en),
                "profile_count": len(profiles.profiles),
                "checksums": {name: sha256_file(staging / name) for name in CHECKSUMMED}}
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")


def publish(index_dir: Path, staging: Path) -> Path:
    """Name the finished build and point CURRENT at it (os.replace): readers see the old build or the new."""
    final = index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{staging.name[-6:]}"
    staging.rename(final)
    try:
        pointer = index_dir / CURRENT
        if pointer.is_dir() and not pointer.is_symlink():
            shutil.rmtree(pointer)  # a folder where the pointer belongs: the pointer is what matters
        pointer_tmp = index_dir / f".{CURRENT}.{os.getpid()}"
        pointer_tmp.write_text(final.name, encoding="utf-8")
        os.replace(pointer_tmp, pointer)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    return final


def _clear_leftovers(index_dir: Path) -> None:
    """Staging folders and pointer files of builds killed before they finished. Only called under the
    build lock, so none of them can belong to a build still running."""
    for entry in index_dir.iterdir():
        if entry.name.startswith(".build-") and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{CURRENT}.") and entry.is_file():
            entry.unlink(missing_ok=True)


def _remove_old_builds(index_dir: Path, keep: str) -> None:
    for entry in index_dir.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name.startswith("build-") and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)


def load_index(build: Path, embedder: Embedder) -> Index:
    """Read a verified build; any inconsistency is IndexCorrupted, never a half-used index."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        chunks, terms = read_store(build / STORE)
        spec = ann.spec_from_manifest(manifest)  # the kind and search settings the build was made with
        vectors = ann.read_vector_index(build / VECTORS, spec)
        vectors_en = ann.read_vector_index(build / VECTORS_EN, spec)
        profiles = ProfileVectors.read(build)
    except (OSError, ValueError, RuntimeError, sqlite3.DatabaseError) as exc:
        raise IndexCorrupted(f"index at {build} cannot be read: {exc}") from exc
    if not (vectors.ntotal == vectors_en.ntotal == len(chunks) == manifest.get("chunk_count")):
        raise IndexCorrupted(f"index at {build}: {vectors.ntotal} vectors for {len(chunks)} chunks")
    if vectors.d != embedder.dim:
        raise IndexCorrupted(f"index at {build}: dimension {vectors.d}, embedder gives {embedder.dim}")
    if profiles.vectors.shape != (len(profiles.profiles), embedder.dim):
        raise IndexCorrupted(f"index at {build}: {profiles.vectors.shape[0]} profile vectors of dimension "
                             f"{profiles.vectors.shape[1]} for {len(profiles.profiles)} profiles")
    if profiles.classifier is not None and profiles.classifier.weights.shape[0] != embedder.dim:
        raise IndexCorrupted(f"index at {build}: {CLASSIFIER} of dimension {profiles.classifier.weights.shape[0]}")
    return Index(chunks, vectors, BM25(terms), manifest, embedder, build, vectors_en, profiles)


def open_index(settings: Settings, progress: Progress = _quiet) -> Index:
    """The up-to-date index for these settings, building or rebuilding it when needed and allowed."""
    embedder = embedder_for(settings)
    status = _ensure_ready(settings, progress, check_status(settings))
    if settings.rebuild_stale:  # a crash between the registry and the index swap is repaired here
        from .incremental import repair_sources

        status = repair_sources(settings, status, progress)
    try:
        return load_index(status.path, embedder)
    except IndexCorrupted as exc:
        if not settings.rebuild_stale:
            raise
        broken = Status("corrupted", str(exc), status.path, status.manifest)  # rebuild once, then it must load
        return load_index(_ensure_ready(settings, progress, broken, force=True).path, embedder)


def _ensure_ready(settings: Settings, progress: Progress, status: Status, force: bool = False) -> Status:
    if status.state != "ok" or force:
        if status.state != "missing" and not settings.rebuild_stale:
            raise IndexCorrupted(f"index is {status.state}: {status.reason} (run `qa index build`)")
        with _build_lock(settings.index_dir):
            fresh = check_status(settings)  # another process may have built it while we waited
            if fresh.state != "ok" or (force and fresh.path == status.path):
                progress(f"building index ({status.reason})", 0.0)
                _build_locked(settings, progress)
                fresh = check_status(settings)
        status = fresh
    if status.path is None or status.state != "ok":
        raise IndexCorrupted(f"index could not be made ready: {status.reason}")
    return status
