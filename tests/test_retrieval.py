import pytest

from qa.retrieval.hybrid import HybridRetriever
from qa.surfaces.langchain_adapters import ConventionRetriever


def test_modes_rank_the_obvious_article_first(real_index, real_settings):
    for mode in ("hybrid", "dense", "bm25"):
        r = HybridRetriever(real_index, real_settings, mode=mode)
        hits = r.retrieve("Що таке незаконний доступ до комп’ютерної системи?", "uk", 5).hits
        assert hits[0].chunk.article == "2", mode


def test_english_question_retrieves_ukrainian_text(real_index, real_settings):
    r = HybridRetriever(real_index, real_settings)
    hits = r.retrieve("Which article deals with the 24/7 network of contact points?", "en", 5).hits
    assert hits[0].chunk.article == "35"


def test_preamble_is_not_preferred_unless_asked(real_index, real_settings):
    r = HybridRetriever(real_index, real_settings)
    generic = r.retrieve("Why is international co-operation against cybercrime needed?", "en", 3).hits
    assert generic[0].chunk.kind != "preamble"
    asked = r.retrieve("What does the preamble say about human rights?", "en", 3).hits
    assert asked[0].chunk.kind == "preamble"


def test_router_can_be_switched_off(real_index, real_settings):
    routed = HybridRetriever(real_index, real_settings).retrieve("Art. 29 para 7", "en", 5)
    assert routed.hits[0].routed and routed.hits[0].chunk.chunk_id == "convention:art29:7"
    plain = HybridRetriever(real_index, real_settings, use_router=False).retrieve("Art. 29 para 7", "en", 5)
    assert not any(h.routed for h in plain.hits)


def test_langchain_retriever(real_index, real_settings):
    retriever = ConventionRetriever(retriever=HybridRetriever(real_index, real_settings), k=3)
    docs = retriever.invoke("What is illegal access?")
    assert len(docs) == 3
    assert docs[0].metadata["article"] == "2" and docs[0].metadata["label"] == "Article 2"
    assert "без права на це" in docs[0].page_content


def test_langchain_retriever_honours_k_per_call_and_carries_citation_metadata(real_index, real_settings):
    """`invoke(q, k=1)` returned 5 documents; metadata lacked part, sub-paragraph, path, language and refs."""
    retriever = ConventionRetriever(retriever=HybridRetriever(real_index, real_settings))
    assert len(retriever.invoke("What is illegal access?", k=1)) == 1
    assert len(retriever.invoke("What is illegal access?")) == 5
    # a question naming more provisions than k still gets k documents, the named ones first
    docs = retriever.invoke("Compare Article 16, Article 17 and Article 29", k=2)
    assert [d.metadata["article"] for d in docs] == ["16", "16"]
    (doc,) = retriever.invoke("What does Article 6(1)(a) say?", k=1)
    meta = doc.metadata
    assert meta["chunk_id"] == "convention:art6:1" and meta["part"] == "6" and meta["subparagraph"] == "a"
    assert meta["label"] == "Article 6(1)(a)" and "a" in meta["subparagraphs"]
    assert meta["path"][0].startswith("Розділ II") and meta["language"] == "uk" and meta["query_language"] == "en"
    assert isinstance(meta["refs"], list)
    with pytest.raises(ValueError, match="positive"):
        retriever.invoke("What is illegal access?", k=0)


@pytest.mark.parametrize("lang, floor", [("uk", 0.7), ("en", 0.35)])
def test_lexical_weight_shrinks_with_the_share_of_words_the_text_knows(real_index, real_settings, lang, floor):
    """Words the text does not know are no lexical evidence: at zero coverage only `floor` of the lexical
    weight is left, at full coverage all of it; the dense side is untouched."""
    import numpy as np

    r = HybridRetriever(real_index, real_settings)
    n = len(real_index.chunks)
    dense, lexical = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    lexical[0] = 1.0
    weights = real_settings.dense_weight + real_settings.lexical_weight
    full = r._fuse(dense, lexical, lang, 1.0)[0] * weights
    none = r._fuse(dense, lexical, lang, 0.0)
    assert full == pytest.approx(real_settings.lexical_weight)
    wl = real_settings.lexical_weight * floor
    assert none[0] == pytest.approx(wl / (real_settings.dense_weight + wl))
