"""Which FAISS index holds the passage vectors: exact flat search for a small library, HNSW above a size.

The shipped corpus is a few hundred passages, where an exact `IndexFlatIP` answers in well under a
millisecond and builds instantly; a user's own library can grow far beyond it, and a flat search reads
every vector on every query (memory-bound: ~23 ms per query at 100 k 384-d vectors on this machine when
it is quiet, 670 ms at 1 M while the shared cores are busy), twice per question (Ukrainian and English
versions). From `HNSW_THRESHOLD` vectors on the index is an HNSW graph (`IndexHNSWFlat`, inner product =
cosine on L2-normalised vectors), which answers in 2.5-3 ms at recall@10 0.974 against flat at 1 M
(`bench/bench_ann.py`; README, "Scale"). IVF was measured too and not kept: see the README.

Rows are positions. FAISS row i is chunk i, as the store keeps chunks in row order: no separate id
mapping that could drift from the store. Removing rows compacts both kinds the same way (the rows after
a removed one move down), so the store deletes the same chunks and stays aligned:
- flat: `remove_ids` in place (a memmove, milliseconds even at 1 M);
- HNSW: a graph cannot drop nodes, so removal rebuilds the graph from the kept vectors (read back from
  the index itself, nothing is re-embedded). Tombstones (an `IDSelector` filter at search time) were
  rejected: they must be persisted beside the index, every search must apply them, and recall falls as
  they accumulate; removing a source is rare and a rebuild leaves nothing to get out of step.
Adding appends rows to either kind in time proportional to the vectors added; an add that carries a
flat index across the threshold rebuilds it once as HNSW.

faiss is imported inside functions so that importing this module costs nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

KINDS = ("flat", "hnsw")
# The threshold: flat single-query p50 on this machine (bench, 384-d, quiet): 0.3 ms at 5 k (in cache),
# 2.3 ms at 10 k, 5-6.6 ms at 20 k, 12 ms at 50 k, 23 ms at 100 k, linear on (3-8x more when the
# shared cores are busy). Below 20 k a search costs about 5 ms or less (the budget for HNSW at 1 M) while
# being exact, free to build and removable in place, so flat is the better index there; from 20 k on,
# HNSW is faster by a margin that grows with size, and its build is short (20-34 s at 100 k, bench).
HNSW_THRESHOLD = 20_000
HNSW_M = 32  # graph degree; the usual choice for d in the hundreds (not swept: each point is a 10-min build)
HNSW_EF_CONSTRUCTION = 80  # build-time beam; build time grows with it (610-673 s at 1 M, 2 busy cores)
HNSW_EF_SEARCH = 512  # search beam, at 1 M: 128 -> recall@10 0.934, 256 -> 0.964, 512 -> 0.974 (p50 2.5 ms)
NORM_TOLERANCE = 1e-3  # |‖v‖ - 1| allowed: float32 normalisation leaves ~1e-7


@dataclass(frozen=True)
class VectorIndexSpec:
    """How a vector file was built and must be searched; recorded in the manifest (`to_json`).

    `threshold` is the size rule that chose `kind`, kept so a later add knows when to switch."""

    kind: str
    dim: int
    threshold: int = HNSW_THRESHOLD
    m: int | None = None
    ef_construction: int | None = None
    ef_search: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"vector index kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.dim <= 0 or self.threshold <= 0:
            raise ValueError(f"vector index dim and threshold must be positive, not {self.dim}, {self.threshold}")
        hnsw = (self.m, self.ef_construction, self.ef_search)
        if self.kind == "hnsw" and not all(isinstance(v, int) and v > 0 for v in hnsw):
            raise ValueError(f"an hnsw spec needs positive m, ef_construction, ef_search, not {hnsw}")
        if self.kind == "flat" and any(v is not None for v in hnsw):
            raise ValueError("a flat spec takes no m, ef_construction or ef_search")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> VectorIndexSpec:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown vector index spec fields: {', '.join(sorted(unknown))}")
        return cls(**data)


def choose_spec(n_vectors: int, dim: int, threshold: int = HNSW_THRESHOLD,
                ef_search: int = HNSW_EF_SEARCH) -> VectorIndexSpec:
    """Flat below `threshold` vectors (exact, instant to build), HNSW at or above it (see module doc)."""
    if n_vectors < 0:
        raise ValueError(f"vector count must not be negative, not {n_vectors}")
    if n_vectors < threshold:
        return VectorIndexSpec("flat", dim, threshold)
    return VectorIndexSpec("hnsw", dim, threshold, HNSW_M, HNSW_EF_CONSTRUCTION, ef_search)


def check_vectors(vectors: np.ndarray, dim: int, allow_empty: bool = False,
                  zero_rows: bool = False) -> np.ndarray:
    """The matrix as FAISS needs it (C-contiguous float32, n x dim, unit rows), or ValueError in one line.

    Not normalised would silently turn cosine into an unbounded dot product, so it is refused, not fixed.
    `zero_rows` admits all-zero rows as placeholders (the English file's rows for chunks without an
    English version: they score 0 against every query)."""
    if not isinstance(vectors, np.ndarray):
        # ValueError, not TypeError: callers catch one error type for every kind of bad input
        raise ValueError(f"vectors must be a numpy array, not {type(vectors).__name__}")  # noqa: TRY004
    if vectors.dtype != np.float32:
        raise ValueError(f"vectors must be float32, not {vectors.dtype}")
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        raise ValueError(f"vectors must have shape (n, {dim}), not {vectors.shape}")
    if vectors.shape[0] == 0 and not allow_empty:
        raise ValueError("no vectors given")
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))  # no n x dim temporary
    if not np.isfinite(norms).all():
        raise ValueError(f"vectors contain NaN or infinity (row {int(np.argmin(np.isfinite(norms)))})")
    off = np.flatnonzero((np.abs(norms - 1.0) > NORM_TOLERANCE) & ~(zero_rows & (norms == 0.0)))
    if len(off):
        raise ValueError(f"vectors must be L2-normalised (row {off[0]} has norm {norms[off[0]]:.4f}; "
                         f"rows off: {len(off)})")
    return np.ascontiguousarray(vectors)


def _empty_index(spec: VectorIndexSpec):
    import faiss

    if spec.kind == "flat":
        return faiss.IndexFlatIP(spec.dim)
    index = faiss.IndexHNSWFlat(spec.dim, spec.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = spec.ef_construction
    return index


def build_vector_index(vectors: np.ndarray, spec: VectorIndexSpec, zero_rows: bool = False):
    """A new index of `spec.kind` holding `vectors` in row order, ready to search (efSearch set)."""
    index = _empty_index(spec)
    index.add(check_vectors(vectors, spec.dim, allow_empty=True, zero_rows=zero_rows))
    return configure_search(index, spec)


def configure_search(index, spec: VectorIndexSpec):
    """Apply the spec's search settings to a (loaded) index and check it is the kind the spec says.

    The manifest's spec is the record, not the file: FAISS 1.15 stores efSearch in the file, older
    versions do not (it comes back as the default, 16: recall@10 ~0.85 at 1 M on the bench), and a
    settings override must win either way. So every load calls this; a file of another kind or
    dimension than the manifest says is refused here (ValueError) rather than searched wrongly."""
    import faiss

    expected = faiss.IndexFlatIP if spec.kind == "flat" else faiss.IndexHNSWFlat
    if not isinstance(index, expected) or index.d != spec.dim:
        raise ValueError(f"vector index is {type(index).__name__} of dimension {index.d}, "
                         f"the manifest says {spec.kind} of dimension {spec.dim}")
    if spec.kind == "flat" and index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise ValueError("flat vector index does not use inner product")
    if spec.kind == "hnsw":
        if index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError("hnsw vector index does not use inner product")
        index.hnsw.efSearch = spec.ef_search
    return index


def read_vector_index(path, spec: VectorIndexSpec):
    """Load a vector file and apply the manifest's spec to it (the only way a load should go).

    Raises ValueError in one line for an unreadable file or one that is not what the spec says."""
    import faiss

    try:
        index = faiss.read_index(str(path))
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ValueError(f"{path} is not a readable FAISS index ({first})") from exc
    return configure_search(index, spec)


def spec_from_manifest(manifest: dict) -> VectorIndexSpec:
    """The spec a manifest records; a manifest from before specs were recorded held a flat index."""
    if "vector_index" in manifest:
        return VectorIndexSpec.from_json(manifest["vector_index"])
    if manifest.get("faiss_index", "IndexFlatIP") != "IndexFlatIP" or not isinstance(manifest.get("dimension"), int):
        raise ValueError("manifest records neither a vector index spec nor a flat index with its dimension")
    return VectorIndexSpec("flat", manifest["dimension"])


def add_vectors(index, spec: VectorIndexSpec, vectors: np.ndarray, zero_rows: bool = False):
    """Append rows (time in proportion to the rows added); returns (index, spec).

    The index is changed in place, except when the new total reaches the spec's threshold on a flat
    index: then it is rebuilt once as HNSW from its own vectors plus the new ones."""
    vectors = check_vectors(vectors, spec.dim, zero_rows=zero_rows)
    configure_search(index, spec)
    total = index.ntotal + len(vectors)
    if spec.kind == "flat" and total >= spec.threshold:
        new_spec = choose_spec(total, spec.dim, spec.threshold)
        combined = np.vstack([_all_vectors(index), vectors])
        return build_vector_index(combined, new_spec, zero_rows=zero_rows), new_spec
    index.add(vectors)
    return index, spec


def remove_rows(index, spec: VectorIndexSpec, rows) -> tuple[object, VectorIndexSpec]:
    """Drop these row positions; the rows after them move down (as the store's chunks do).

    Flat: in place. HNSW: rebuilt from the kept vectors, as flat when they fall below the threshold
    (see module doc for why not tombstones)."""
    configure_search(index, spec)
    drop = np.unique(np.asarray(list(rows), dtype=np.int64))
    if len(drop) and (drop[0] < 0 or drop[-1] >= index.ntotal):
        raise ValueError(f"rows to remove must lie in 0..{index.ntotal - 1}")
    if len(drop) == 0:
        return index, spec
    if spec.kind == "flat":
        import faiss

        index.remove_ids(faiss.IDSelectorBatch(drop))
        return index, spec
    keep = np.ones(index.ntotal, dtype=bool)
    keep[drop] = False
    kept = _all_vectors(index)[keep]
    new_spec = choose_spec(len(kept), spec.dim, spec.threshold, spec.ef_search)
    if new_spec.kind == "hnsw":
        new_spec = spec
    return build_vector_index(kept, new_spec, zero_rows=True), new_spec  # rows admitted when added


def _all_vectors(index) -> np.ndarray:
    """Every stored vector in row order (both kinds keep full float32 vectors)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


def file_header(path) -> tuple[str, int, int]:
    """(FAISS type tag, dimension, vector count) from an index file's first 20 bytes, without loading it.

    Every FAISS index file starts with a 4-byte tag ("IxFI" flat inner product, "IHNf" HNSW flat), then
    d (int32) and ntotal (int64); lets a manifest check run on a 1.5 GB file without reading it."""
    with open(path, "rb") as fh:
        header = fh.read(20)
    if len(header) < 20:
        raise ValueError(f"{path} is too short to be a FAISS index")
    tag = header[:4].decode("ascii", errors="replace")
    return tag, int.from_bytes(header[4:8], "little", signed=True), int.from_bytes(header[8:16], "little", signed=True)


def tag_of(spec: VectorIndexSpec) -> str:
    """The file tag `file_header` must find for this spec."""
    return "IxFI" if spec.kind == "flat" else "IHNf"


def with_ef_search(spec: VectorIndexSpec, ef_search: int) -> VectorIndexSpec:
    """The same HNSW spec searched with another beam width (the bench's sweep; a settings override)."""
    if spec.kind != "hnsw":
        raise ValueError("efSearch applies only to an hnsw spec")
    return replace(spec, ef_search=ef_search)
