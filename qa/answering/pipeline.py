"""Where a question becomes a cited answer: validate → detect language → route/retrieve → decide
whether the corpus answers → compose → check every citation against what was retrieved.
"""

from __future__ import annotations

import time
from dataclasses import replace

from ..config import Settings
from ..errors import ConfigError
from ..indexing.index import Index, Progress, open_index
from ..retrieval.confidence import assess, features
from ..retrieval.filters import Filters
from ..retrieval.hybrid import HybridRetriever, Retrieval
from ..retrieval.question import validate_question
from ..retrieval.reference_router import Reference
from .answer import Answer, SeeAlso
from .citations import label, provision_label, title, unsupported
from .extractive import ExtractiveAnswerer
from .grounding import Decline, outside_corpus
from .prompts import load_templates

SEE_ALSO_COUNT = 3


def _make_answerer(name: str, index: Index, settings: Settings, chat_model=None):
    if name == "extractive":
        return ExtractiveAnswerer(index, settings)
    if name == "llm":
        from .llm_answerer import LLMAnswerer

        return LLMAnswerer(index, settings, chat_model)
    raise ConfigError(f"unknown answerer {name!r}; choose extractive or llm")


class Assistant:
    """One loaded index, one retriever, one answerer: safe to share between threads (UI, API)."""

    def __init__(self, settings: Settings, progress: Progress | None = None, index: Index | None = None,
                 retriever: HybridRetriever | None = None, chat_model=None):
        self.settings = settings
        if settings.answerer == "llm" and chat_model is None:
            from .llm_answerer import make_chat_model

            chat_model = make_chat_model(settings.llm_model)  # a setup error stops before the index loads
        self.index = index or (open_index(settings, progress) if progress else open_index(settings))
        self.retriever = retriever or HybridRetriever(self.index, settings)
        self.answerer = _make_answerer(settings.answerer, self.index, settings, chat_model)

    def ask(self, question: object, *, qid: str | None = None, filters: Filters = Filters(),
            context_article: str | None = None, lang: str | None = None) -> Answer:
        """`lang` picks the answer's language only: the same question retrieves the same provisions."""
        started = time.perf_counter()
        text = validate_question(question, self.settings.max_question_chars)
        query = self.retriever.analyse(text, lang)
        refs = list(query.references) if self.retriever.use_router else []
        if query.follow_up and context_article and not refs:
            refs = [Reference(context_article, query.follow_up)]
        retrieval = self.retriever.retrieve(query, k=self.settings.top_k, filters=filters, references=refs)
        t_retrieved = time.perf_counter()
        answer = self._answer(retrieval, qid)
        answer.timings_ms = {
            "retrieve": round((t_retrieved - started) * 1000, 2),
            "answer": round((time.perf_counter() - t_retrieved) * 1000, 2),
            "total": round((time.perf_counter() - started) * 1000, 2),
        }
        return answer

    def reloaded(self) -> Assistant:
        """A new Assistant over the index now live (after a source was added or removed), with the same
        settings and chat model. This one is left as it was: a question it is answering finishes on the
        index it started with, and a server swaps the two with one assignment."""
        return Assistant(self.settings, chat_model=getattr(self.answerer, "chat_model", None))

    def warm_up(self) -> None:
        """Load what the first question would otherwise pay for (morphology, glossary, embedder threads)
        before a server accepts users: one question in each language."""
        for question in ("Що таке незаконний доступ?", "What is illegal access?"):
            self.ask(question)

    def _answer(self, retrieval: Retrieval, qid: str | None) -> Answer:
        lang = retrieval.lang
        templates = load_templates(self.settings.prompts_dir, "extractive", lang)
        routed = any(h.routed for h in retrieval.hits)
        if retrieval.missing_references and not routed:
            acts = {a.source: (a.genitive if lang == "uk" else a.english) for a in self.retriever.acts}
            missing = ", ".join(provision_label(r.article, r.paragraph, r.subparagraph, lang, acts.get(r.act, ""))
                                for r in retrieval.missing_references)
            return self._abstain(retrieval, qid, templates["missing_reference"].format(reference=missing),
                                 f"no such provision: {missing}")
        if self.abstains and (outside := outside_corpus(retrieval)):
            return self._decline(retrieval, qid, outside, templates)
        text, citations = self.answerer.compose(retrieval)
        retrieved = {h.chunk.chunk_id: h.chunk for h in retrieval.hits}
        citations = [replace(c, page=retrieved[c.chunk_id].page) if c.chunk_id in retrieved else c for c in citations]
        problems = unsupported(citations, retrieved)
        if problems or not citations:
            return self._abstain(retrieval, qid, templates["abstain"],
                                 "; ".join(problems) or "the answerer found nothing to cite")
        signals = features(retrieval)
        probability, confidence = assess(retrieval, signals)
        if confidence == "low":
            cited = {c.part for c in citations}
            others = [h for h in retrieval.hits if h.chunk.part not in cited][:SEE_ALSO_COUNT]
            if others:
                items = "; ".join(f"{label(h.chunk, lang)} ({title(h.chunk, lang)})" for h in others)
                text = f"{text}\n{templates['low_confidence'].format(items=items)}"
        return Answer(retrieval.question, lang, text, False, citations, retrieval.hits, id=qid,
                      confidence=confidence, probability=round(probability, 3), features=signals)

    @property
    def abstains(self) -> bool:
        """Baselines without a grounding signal of their own answer everything."""
        return self.settings.decline_outside

    def _decline(self, retrieval: Retrieval, qid: str | None, outside: Decline, templates: dict) -> Answer:
        lang = retrieval.lang
        if outside.instrument is None:
            return self._abstain(retrieval, qid, templates["off_topic"], "off-topic: not about the corpus")
        name = outside.instrument.name_uk if lang == "uk" else outside.instrument.name_en
        message = templates["outside_instrument"].format(instrument=name)
        pointer = [r for r, c in enumerate(self.index.chunks) if c.part == outside.pointer] if outside.pointer else []
        if pointer:
            message = f"{message}\n{templates['mention'].format(label=label(self.index.chunks[pointer[0]], lang))}"
        return self._abstain(retrieval, qid, message, f"outside the corpus: {outside.instrument.name_en}", pointer)

    def _abstain(self, retrieval: Retrieval, qid: str | None, message: str, reason: str,
                 pointer_rows: list[int] | None = None) -> Answer:
        lang = retrieval.lang
        templates = load_templates(self.settings.prompts_dir, "extractive", lang)
        chunks = [self.index.chunks[r] for r in pointer_rows or []]
        chunks += [h.chunk for h in retrieval.hits if h.chunk not in chunks]
        see_also = [SeeAlso(label(c, lang), c.chunk_id, title(c, lang)) for c in chunks[:SEE_ALSO_COUNT]]
        if see_also:
            items = "; ".join(f"{s.label} ({s.title})" for s in see_also)
            message = f"{message}\n{templates['see_also'].format(items=items)}"
        return Answer(retrieval.question, lang, message, True, [], retrieval.hits, see_also, id=qid, reason=reason)
