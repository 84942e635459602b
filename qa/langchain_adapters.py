"""The index as LangChain parts: an `Embeddings` for the configured backend and a `BaseRetriever`
over the hybrid retriever, so the convention plugs into any LangChain chain.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .citations import label
from .embedders import Embedder
from .language import detect_language
from .retrieval import Filters, HybridRetriever


class ConventionEmbeddings(Embeddings):
    """Documents are embedded in the passage role and queries in the query role (E5 convention)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()


class ConventionRetriever(BaseRetriever):
    """Hybrid retrieval with reference routing; each Document carries the chunk's citation metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    k: int = 5
    filters: Filters = Filters()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        lang = detect_language(query)
        result = self.retriever.retrieve(query, lang, self.k, self.filters)
        return [
            Document(
                page_content=hit.chunk.text,
                metadata={
                    "chunk_id": hit.chunk.chunk_id,
                    "source": hit.chunk.source,
                    "article": hit.chunk.article,
                    "paragraph": hit.chunk.paragraph,
                    "label": label(hit.chunk, lang),
                    "title": hit.chunk.title_en if lang == "en" else hit.chunk.title_uk,
                    "score": hit.score,
                    "routed": hit.routed,
                },
            )
            for hit in result.hits[: max(self.k, 1)]
        ]
