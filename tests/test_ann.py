"""Vector index choice (qa.indexing.ann): real FAISS indexes and files, small seeded clustered data."""

from __future__ import annotations

import json

import faiss
import numpy as np
import pytest

from qa.indexing import ann

DIM = 32


@pytest.fixture(autouse=True)
def one_thread():
    """HNSW inserts in parallel, so its graph depends on thread timing; one thread makes it seeded."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def clustered(n: int, seed: int, clusters: int = 20) -> np.ndarray:
    """Unit vectors around a few centres with varied spread (neighbours mean something, unlike noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM))
    labels = rng.integers(0, clusters, n)
    spread = rng.uniform(0.2, 0.8, clusters)[labels, None]
    x = centres[labels] + spread * rng.standard_normal((n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def top(index, queries: np.ndarray, k: int = 10) -> np.ndarray:
    return index.search(queries, k)[1]


def test_choice_by_size():
    assert ann.choose_spec(0, DIM).kind == "flat"
    assert ann.choose_spec(ann.HNSW_THRESHOLD - 1, DIM).kind == "flat"
    spec = ann.choose_spec(ann.HNSW_THRESHOLD, DIM)
    assert (spec.kind, spec.m, spec.ef_search) == ("hnsw", ann.HNSW_M, ann.HNSW_EF_SEARCH)
    assert ann.choose_spec(500, DIM, threshold=500).kind == "hnsw"
    assert ann.choose_spec(499, DIM, threshold=500).threshold == 500


def test_hnsw_recall_against_flat():
    base, queries = clustered(4000, seed=1), clustered(200, seed=2)
    flat = ann.build_vector_index(base, ann.choose_spec(len(base), DIM))
    truth = top(flat, queries)
    spec = ann.choose_spec(len(base), DIM, threshold=1000)
    hnsw = ann.build_vector_index(base, spec)
    assert isinstance(hnsw, faiss.IndexHNSWFlat) and isinstance(flat, faiss.IndexFlatIP)

    def recall() -> float:
        return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(top(hnsw, queries), truth)]))

    assert recall() >= 0.95  # 1.0 here at the default efSearch (512)
    ann.configure_search(hnsw, ann.with_ef_search(spec, 16))
    assert recall() < 0.9  # 0.70: the beam width is really applied, and this data is not trivially easy


def test_spec_json_round_trip():
    for spec in (ann.choose_spec(10, DIM), ann.choose_spec(10, DIM, threshold=5, ef_search=77)):
        text = json.dumps(spec.to_json())
        assert ann.VectorIndexSpec.from_json(json.loads(text)) == spec
    with pytest.raises(ValueError, match="unknown vector index spec fields: nprobe"):
        ann.VectorIndexSpec.from_json({**ann.choose_spec(10, DIM).to_json(), "nprobe": 4})
    with pytest.raises(ValueError, match="kind must be one of"):
        ann.VectorIndexSpec.from_json({"kind": "ivf", "dim": DIM})
    with pytest.raises(ValueError, match="needs positive m"):
        ann.VectorIndexSpec("hnsw", DIM, 10, 32, 80, 0)


@pytest.mark.parametrize("threshold", [1, ann.HNSW_THRESHOLD])
def test_file_round_trip_keeps_search_settings(tmp_path, threshold):
    base, queries = clustered(3000, seed=3), clustered(50, seed=4)
    spec = ann.choose_spec(len(base), DIM, threshold=threshold, ef_search=96)
    built = ann.build_vector_index(base, spec)
    expected = top(built, queries)
    if spec.kind == "hnsw":
        built.hnsw.efSearch = 16  # a file written with other settings (an older build, another tool)
    path = tmp_path / "vectors.faiss"
    faiss.write_index(built, str(path))
    assert ann.file_header(path) == (ann.tag_of(spec), DIM, len(base))
    stored = ann.VectorIndexSpec.from_json(json.loads(json.dumps(spec.to_json())))
    loaded = ann.read_vector_index(path, ann.spec_from_manifest({"vector_index": stored.to_json()}))
    if spec.kind == "hnsw":
        assert loaded.hnsw.efSearch == 96  # the manifest's spec decides, not what the file carried
        assert not np.array_equal(top(faiss.read_index(str(path)), queries), expected)
    assert np.array_equal(top(loaded, queries), expected)


def test_configure_search_refuses_other_kind():
    flat = ann.build_vector_index(clustered(100, seed=5), ann.choose_spec(100, DIM))
    with pytest.raises(ValueError, match="IndexFlatIP of dimension 32, the manifest says hnsw"):
        ann.configure_search(flat, ann.choose_spec(100, DIM, threshold=1))
    with pytest.raises(ValueError, match="dimension 32, the manifest says flat of dimension 16"):
        ann.configure_search(flat, ann.choose_spec(100, 16))


def test_incremental_add_appends_rows():
    base, extra = clustered(1000, seed=6), clustered(200, seed=7)
    for threshold in (1, ann.HNSW_THRESHOLD):
        spec = ann.choose_spec(len(base), DIM, threshold=threshold)
        index = ann.build_vector_index(base, spec)
        index, after = ann.add_vectors(index, spec, extra)
        assert after == spec and index.ntotal == 1200
        assert np.array_equal(index.reconstruct_n(0, 1200), np.vstack([base, extra]))
        assert list(top(index, extra[:20], 1)[:, 0]) == list(range(1000, 1020))


def test_add_across_threshold_switches_to_hnsw():
    base, extra = clustered(900, seed=8), clustered(200, seed=9)
    spec = ann.choose_spec(len(base), DIM, threshold=1000)
    index, after = ann.add_vectors(ann.build_vector_index(base, spec), spec, extra)
    assert after.kind == "hnsw" and after.threshold == 1000 and isinstance(index, faiss.IndexHNSWFlat)
    assert index.hnsw.efSearch == after.ef_search
    assert np.array_equal(index.reconstruct_n(0, 1100), np.vstack([base, extra]))


def test_remove_rows_compacts_like_the_store():
    base = clustered(1200, seed=10)
    drop = [0, 5, 700, 1199]
    expected = np.delete(base, drop, axis=0)
    for threshold, kind_after in ((1, "hnsw"), (1199, "flat"), (ann.HNSW_THRESHOLD, "flat")):
        spec = ann.choose_spec(len(base), DIM, threshold=threshold)
        index, after = ann.remove_rows(ann.build_vector_index(base, spec), spec, drop)
        assert after.kind == kind_after and index.ntotal == len(expected)
        assert np.array_equal(index.reconstruct_n(0, index.ntotal), expected)
        assert list(top(index, expected[:10], 1)[:, 0]) == list(range(10))
    spec = ann.choose_spec(len(base), DIM)
    with pytest.raises(ValueError, match=r"rows to remove must lie in 0\.\.1199"):
        ann.remove_rows(ann.build_vector_index(base, spec), spec, [1200])


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


def test_bad_vectors_one_clear_line():
    good = clustered(10, seed=11)
    spec = ann.choose_spec(10, DIM)
    cases = {
        "shape (n, 32), not (10, 16)": good[:, :16].copy(),
        "float32, not float64": good.astype(np.float64),
        "L2-normalised (row 3 has norm 2.0000; rows off: 1)": np.where(np.arange(10)[:, None] == 3, 2 * good, good),
        "no vectors given": np.zeros((0, DIM), dtype=np.float32),
        "NaN or infinity": np.where(np.arange(DIM) == 3, np.nan, good).astype(np.float32),
        "numpy array, not list": good.tolist(),
    }
    index = ann.build_vector_index(good, spec)
    for message, bad in cases.items():
        with pytest.raises(ValueError) as exc:
            ann.add_vectors(index, spec, bad)
        assert message in _one_line(exc)
    assert index.ntotal == 10  # nothing was added by any bad call
    with pytest.raises(ValueError) as exc:
        ann.build_vector_index(good.astype(np.float64), spec)
    assert "float32" in _one_line(exc)
    with pytest.raises(ValueError) as exc:
        ann.choose_spec(-1, DIM)
    assert "negative" in _one_line(exc)


def test_manifest_spec_and_unreadable_file(tmp_path):
    assert ann.spec_from_manifest({"faiss_index": "IndexFlatIP", "dimension": 384}) == ann.choose_spec(0, 384)
    with pytest.raises(ValueError) as exc:
        ann.spec_from_manifest({"faiss_index": "IndexIVFFlat", "dimension": 384})
    assert "neither" in _one_line(exc)
    broken = tmp_path / "vectors.faiss"
    broken.write_bytes(b"IxFI" + bytes(10))
    with pytest.raises(ValueError) as exc:
        ann.read_vector_index(broken, ann.choose_spec(0, DIM))
    assert "is not a readable FAISS index" in _one_line(exc)
    with pytest.raises(ValueError) as exc:
        ann.file_header(tmp_path / "vectors.faiss")
    assert "too short" in _one_line(exc)


def test_import_does_not_load_faiss():
    import subprocess
    import sys

    code = "import sys, qa.indexing.ann; assert 'faiss' not in sys.modules, 'faiss imported eagerly'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=__file__.rsplit("/tests/", 1)[0])


def test_zero_rows_only_when_asked():
    """The English file keeps a zero row for a chunk without an English version; elsewhere it is an error."""
    vectors = clustered(50, seed=12)
    vectors[7] = 0.0
    spec = ann.choose_spec(50, DIM)
    with pytest.raises(ValueError) as exc:
        ann.build_vector_index(vectors, spec)
    assert "row 7 has norm 0.0000" in _one_line(exc)
    index = ann.build_vector_index(vectors, spec, zero_rows=True)
    scores, rows = index.search(vectors[:1], 50)
    assert scores[0][list(rows[0]).index(7)] == 0.0
    index, spec = ann.add_vectors(index, spec, vectors[5:10], zero_rows=True)
    assert index.ntotal == 55
