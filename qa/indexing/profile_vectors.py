"""The article profiles (sources.profiles) as vectors, embedded with each index build and kept in it."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..sources.profiles import Profile
from .embedders import Embedder


@dataclass(frozen=True)
class ProfileVectors:
    """The article profiles and their vectors, row for row (L2-normalised, so a dot product is a cosine).
    A build keeps both, so it answers with the annotation it was built from, whatever the file says now."""

    profiles: tuple[Profile, ...]
    vectors: np.ndarray

    @classmethod
    def of(cls, profiles: tuple[Profile, ...], embedder: Embedder, cache_dir: Path | None = None) -> "ProfileVectors":
        """The profiles embedded as passages (each describes a provision, as a chunk's text does). The
        vectors depend only on the texts and the embedder, so they are kept in `cache_dir` and a rebuild
        after a corpus change, or a test's small index, does not embed the same thousand lines again."""
        texts = [p.text for p in profiles]
        cached = _cache_path(cache_dir, texts, embedder) if cache_dir else None
        vectors = _read_cached(cached, (len(texts), embedder.dim)) if cached else None
        if vectors is None:
            vectors = embedder.embed_passages(texts) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
            if cached:
                _write_cached(cached, vectors)
        return cls(profiles, vectors)

    def write(self, vectors_path: Path, rows_path: Path) -> None:
        np.save(vectors_path, np.ascontiguousarray(self.vectors, dtype=np.float32), allow_pickle=False)
        rows_path.write_text(json.dumps([p.to_json() for p in self.profiles], ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, vectors_path: Path, rows_path: Path) -> "ProfileVectors":
        """Raises OSError or ValueError on unreadable files (the loader reports the index as corrupted)."""
        rows = json.loads(rows_path.read_text(encoding="utf-8"))
        try:
            profiles = tuple(Profile.from_json(r) for r in rows)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{rows_path.name}: {exc}") from exc
        return cls(profiles, np.load(vectors_path, allow_pickle=False))


def _cache_path(cache_dir: Path, texts: list[str], embedder: Embedder) -> Path:
    digest = hashlib.sha256("\n".join([embedder.id, *texts]).encode("utf-8")).hexdigest()[:32]
    return cache_dir / "profiles" / f"{digest}.npy"


def _read_cached(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """The cached vectors, or None when absent, unreadable or of another shape (then they are made again)."""
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vectors if vectors.shape == shape and vectors.dtype == np.float32 else None


def _write_cached(path: Path, vectors: np.ndarray) -> None:
    """Written aside and renamed into place; a cache that cannot be written is only a lost speed-up."""
    staging = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=".profiles-", suffix=".npy", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            np.save(out, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        os.replace(staging, path)
    except OSError:
        if staging:
            Path(staging).unlink(missing_ok=True)
