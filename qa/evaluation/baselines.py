"""Systems compared in one `qa eval --compare` run, each producing answers in the JSON contract.

- this project's pipeline (hybrid retrieval + router + grounded extractive answers),
- the same without the reference router, over the Ukrainian text only (no English version indexed),
  without the concept layer, and without the English→Ukrainian glossary (what each adds),
- BM25 only and dense only (same answerer, no abstention: they have no grounding signal of their own),
- the common LangChain recipe: 1000/200 character chunks in a LangChain FAISS store with the same
  embedder, citing the article heading found in or before each chunk.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Callable

from ..answering.citations import provision_label
from ..answering.pipeline import Assistant
from ..config import Settings
from ..errors import QAError
from ..indexing.index import Index
from ..retrieval.hybrid import HybridRetriever
from ..sources.corpus import corpus_files
from ..sources.language import detect_language

System = Callable[[list[dict]], list[dict]]
_HEADING = re.compile(r"^(?:Стаття\s+(\d+)\s*[–-]|#+\s*Article\s+(\d+)\s*$)", re.MULTILINE)


def _run(assistant: Assistant, gold: list[dict]) -> list[dict]:
    answers = []
    for g in gold:
        try:
            answers.append(assistant.ask(g["question"], qid=str(g["id"])).to_json())
        except QAError as exc:
            answers.append({"id": str(g["id"]), "error": str(exc), "abstained": True, "citations": [],
                            "retrieved": []})
    return answers


def pipeline_system(index: Index, settings: Settings, mode: str = "hybrid", use_router: bool = True,
                    abstain: bool = True, **retriever_options) -> System:
    tuned = settings if abstain else replace(settings, decline_outside=False)
    retriever = HybridRetriever(index, tuned, mode=mode, use_router=use_router, **retriever_options)
    assistant = Assistant(tuned, index=index, retriever=retriever)
    return lambda gold: _run(assistant, gold)


class LangChainRecipe:
    """Fixed-size character chunks → LangChain FAISS → cite the article heading in or before the chunk."""

    def __init__(self, index: Index, settings: Settings, chunk_size: int = 1000, overlap: int = 200, k: int = 10):
        from langchain_community.vectorstores import FAISS
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ..indexing.langchain_embeddings import ConventionEmbeddings

        self.k = k
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True)
        texts, metadatas = [], []
        for f in corpus_files(settings.corpus_dir):
            source = "convention" if _HEADING.search(f.raw) else f.doc_id
            headings = [(m.start(), m.group(1) or m.group(2)) for m in _HEADING.finditer(f.raw)]
            for n, doc in enumerate(splitter.create_documents([f.raw])):
                start = doc.metadata["start_index"]
                end = start + len(doc.page_content)
                inside = [a for pos, a in headings if start <= pos < end]
                before = [a for pos, a in headings if pos < start]
                article = inside[0] if inside else (before[-1] if before else None)
                texts.append(doc.page_content)
                metadatas.append({"chunk_id": f"lc:{f.doc_id}:{n}", "source": source, "article": article})
        started = time.perf_counter()
        self.store = FAISS.from_texts(texts, ConventionEmbeddings(index.embedder), metadatas=metadatas)
        self.build_seconds = time.perf_counter() - started
        self.chunk_count = len(texts)

    def answer(self, question: str, qid: str) -> dict:
        started = time.perf_counter()
        docs = self.store.similarity_search_with_score(question, k=self.k)
        retrieved = [{"chunk_id": d.metadata["chunk_id"], "source": d.metadata["source"],
                      "article": d.metadata["article"], "paragraph": None,
                      "part": d.metadata["article"] or (None if d.metadata["source"] == "convention" else d.metadata["source"]),
                      "score": float(s)} for d, s in docs]
        top = docs[0][0] if docs else None
        citations = []
        if top is not None:
            lang = detect_language(question)
            art = top.metadata["article"]
            citations.append({"marker": 1, "source": top.metadata["source"], "article": art, "paragraph": None,
                              "subparagraph": None, "label": provision_label(art, None, None, lang) if art else top.metadata["source"],
                              "chunk_id": top.metadata["chunk_id"], "quote": top.page_content,
                              "part": art or (None if top.metadata["source"] == "convention" else top.metadata["source"])})
        total = (time.perf_counter() - started) * 1000
        return {"id": qid, "question": question, "abstained": not citations, "citations": citations,
                "retrieved": retrieved, "timings_ms": {"total": round(total, 2)}}

    def __call__(self, gold: list[dict]) -> list[dict]:
        return [self.answer(g["question"], str(g["id"])) for g in gold]


def systems(index: Index, settings: Settings) -> dict[str, Callable[[], System]]:
    """Name → factory (factories are lazy: the LangChain store embeds its own chunks when built)."""
    return {
        "hybrid (this project)": lambda: pipeline_system(index, settings),
        "hybrid, no router": lambda: pipeline_system(index, settings, use_router=False),
        "hybrid, Ukrainian text only": lambda: pipeline_system(index, settings, english=False),
        "hybrid, no concept layer": lambda: pipeline_system(index, settings, use_concepts=False),
        "hybrid, no article profiles": lambda: pipeline_system(index, settings, use_profiles=False),
        "hybrid, no glossary": lambda: pipeline_system(index, settings, use_glossary=False),
        "dense only": lambda: pipeline_system(index, settings, mode="dense", use_router=False, abstain=False),
        "bm25 only": lambda: pipeline_system(index, settings, mode="bm25", use_router=False, abstain=False),
        "langchain 1000/200 chunks": lambda: LangChainRecipe(index, settings),
    }
