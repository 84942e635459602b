"""The index as LangChain parts: an `Embeddings` for the configured backend and a `BaseRetriever`
over the hybrid retriever, so the convention plugs into any LangChain chain.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ..answering.citations import label, title
from ..indexing.langchain_embeddings import ConventionEmbeddings
from ..retrieval.filters import Filters
from ..retrieval.hybrid import Hit, HybridRetriever
from ..retrieval.reference_router import Reference

__all__ = ["ConventionEmbeddings", "ConventionRetriever"]


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
        question = self.retriever.analyse(query)  # once: language, references, terms, embedding
        result = self.retriever.retrieve(question, k=limit, filters=self.filters)
        return [document(hit, question.lang, result.references) for hit in result.hits[:limit]]


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
