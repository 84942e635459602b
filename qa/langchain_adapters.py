"""The index as LangChain parts: an `Embeddings` for the configured backend and a `BaseRetriever`
over the hybrid retriever, so the convention plugs into any LangChain chain.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .citations import label, title
from .embedders import Embedder
from .language import detect_language
from .reference_router import Reference, find_references
from .retrieval import Filters, Hit, HybridRetriever


class ConventionEmbeddings(Embeddings):
    """Documents are embedded in the passage role and queries in the query role (E5 convention)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()


class ConventionRetriever(BaseRetriever):
    """Hybrid retrieval with reference routing; each Document carries the chunk's citation metadata.

    `k` is the default number of documents; `invoke(query, k=1)` overrides it for one call, as LangChain's
    standard retriever tests expect. Exactly `k` documents come back when the corpus has that many, even
    when the question names more provisions (the router's own hits lead, in the order named).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    k: int = 5
    filters: Filters = Filters()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        limit = self.k if k is None else k
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"k must be a positive whole number, not {limit!r}")
        lang = detect_language(query)
        refs = find_references(query) if self.retriever.use_router else []
        result = self.retriever.retrieve(query, lang, limit, self.filters, refs)
        return [document(hit, lang, refs) for hit in result.hits[:limit]]


def document(hit: Hit, lang: str, refs: list[Reference] = ()) -> Document:
    """One retrieved chunk as a Document: what a chain needs to cite it (label, part, paragraph,
    sub-paragraph when the question named one, chapter path, language, cross-references)."""
    chunk = hit.chunk
    sub = next((r.subparagraph for r in refs if r.subparagraph and r.article == chunk.article
                and r.paragraph in (None, chunk.paragraph)), None)
    return Document(
        page_content=chunk.text,
        metadata={
            "chunk_id": chunk.chunk_id,
            "source": chunk.source,
            "kind": chunk.kind,
            "part": chunk.part,
            "article": chunk.article,
            "paragraph": chunk.paragraph,
            "subparagraph": sub,
            "subparagraphs": [s.label for s in chunk.spans],
            "label": label(chunk, lang, sub),
            "title": title(chunk, lang),
            "path": list(chunk.path),
            "language": chunk.lang,  # of the text; labels and titles follow the query
            "query_language": lang,
            "refs": list(chunk.refs),
            "score": hit.score,
            "routed": hit.routed,
        },
    )
