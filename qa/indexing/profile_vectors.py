"""The article profiles (sources.profiles) as vectors, embedded with each index build and kept in it, with
the classifier fitted on them (profile_classifier)."""

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
from .profile_classifier import C, FIT_VERSION, ProfileClassifier

PROFILES, PROFILE_ROWS = "profiles.npy", "profiles.json"  # the profiles' vectors (as passages) and rows
CLASSIFIER, CLASSIFIER_LABELS = "classifier.npy", "classifier.json"  # its weights and bias, and their labels
FILES = (PROFILES, PROFILE_ROWS, CLASSIFIER, CLASSIFIER_LABELS)


@dataclass(frozen=True)
class ProfileVectors:
    """The article profiles and their vectors, row for row (L2-normalised, so a dot product is a cosine).
    A build keeps both, so it answers with the annotation it was built from, whatever the file says now."""

    profiles: tuple[Profile, ...]
    vectors: np.ndarray
    classifier: ProfileClassifier | None = None  # None when the profiles name fewer than two parts

    @classmethod
    def of(cls, profiles: tuple[Profile, ...], embedder: Embedder, cache_dir: Path | None = None) -> "ProfileVectors":
        """The profiles embedded as passages (each describes a provision, as a chunk's text does), and the
        classifier fitted on them embedded as questions (which is what it will be shown). The vectors depend
        only on the texts and the embedder, so they are kept in `cache_dir` and a rebuild after a corpus
        change, or a test's small index, does not embed the same thousand lines again."""
        texts = [p.text for p in profiles]
        vectors = _embedded(texts, embedder, cache_dir, as_questions=False)
        return cls(profiles, vectors, _classifier(profiles, embedder, cache_dir))

    def write(self, folder: Path) -> None:
        np.save(folder / PROFILES, np.ascontiguousarray(self.vectors, dtype=np.float32), allow_pickle=False)
        (folder / PROFILE_ROWS).write_text(json.dumps([p.to_json() for p in self.profiles], ensure_ascii=False),
                                           encoding="utf-8")
        classifier = self.classifier or ProfileClassifier((), np.zeros((self.vectors.shape[1], 0), np.float32),
                                                          np.zeros(0, np.float32))
        classifier.write(folder / CLASSIFIER, folder / CLASSIFIER_LABELS)

    @classmethod
    def read(cls, folder: Path) -> "ProfileVectors":
        """Raises OSError or ValueError on unreadable files (the loader reports the index as corrupted)."""
        rows = json.loads((folder / PROFILE_ROWS).read_text(encoding="utf-8"))
        try:
            profiles = tuple(Profile.from_json(r) for r in rows)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{PROFILE_ROWS}: {exc}") from exc
        classifier = ProfileClassifier.read(folder / CLASSIFIER, folder / CLASSIFIER_LABELS)
        if not set(classifier.labels) <= {p.article for p in profiles}:
            raise ValueError(f"{CLASSIFIER_LABELS}: labels that no profile has")
        return cls(profiles, np.load(folder / PROFILES, allow_pickle=False), classifier if classifier.labels else None)


def _classifier(profiles: tuple[Profile, ...], embedder: Embedder, cache_dir: Path | None) -> ProfileClassifier | None:
    """The classifier fitted on the profiles embedded as questions (what it will be shown), from the cache
    when it has the same fit (a test suite builds many small indexes over the same profiles)."""
    texts, labels = [p.text for p in profiles], [p.article for p in profiles]
    names = tuple(dict.fromkeys(labels))
    if len(names) < 2:
        return None
    key = [f"classifier C={C} fit={FIT_VERSION}", *texts, *labels]
    cached = _cache_path(cache_dir, key, embedder) if cache_dir else None
    stacked = _read_cached(cached, (embedder.dim + 1, len(names))) if cached else None
    if stacked is not None:
        return ProfileClassifier.from_stacked(names, stacked)
    fitted = ProfileClassifier.fit(_embedded(texts, embedder, cache_dir, as_questions=True), labels)
    if cached:
        _write_cached(cached, fitted.stacked())
    return fitted


def _embedded(texts: list[str], embedder: Embedder, cache_dir: Path | None, as_questions: bool) -> np.ndarray:
    """The texts embedded as passages or as questions, from the cache when it has them."""
    cached = _cache_path(cache_dir, ["query", *texts] if as_questions else texts, embedder) if cache_dir else None
    vectors = _read_cached(cached, (len(texts), embedder.dim)) if cached else None
    if vectors is None:
        if not texts:
            vectors = np.zeros((0, embedder.dim), dtype=np.float32)
        else:  # the engine batches them itself
            vectors = embedder.embed_queries(texts) if as_questions else embedder.embed_passages(texts)
        if cached:
            _write_cached(cached, vectors)
    return vectors


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
