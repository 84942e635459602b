"""The configured embedder as a LangChain `Embeddings`, so LangChain stores (and the LangChain baseline)
embed with exactly the model the index was built with.
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from .embedders import Embedder


class ConventionEmbeddings(Embeddings):
    """Documents are embedded in the passage role and queries in the query role (E5 convention)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()
