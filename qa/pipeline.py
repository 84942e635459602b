"""Where a question becomes a cited answer: validate → detect language → route/retrieve → decide
whether the corpus answers → compose → check every citation against what was retrieved.
"""

from __future__ import annotations

import time

from .answer import Answer, SeeAlso
from .citations import label, provision_label, title, unsupported
from .config import Settings
from .errors import ConfigError
from .extractive import ExtractiveAnswerer
from .grounding import grounding_score
from .index import Index, Progress, open_index
from .language import detect_language
from .prompts import load_templates
from .question import validate_question
from .reference_router import Reference, find_references, follow_up_paragraph
from .retrieval import Filters, HybridRetriever, Retrieval

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
        started = time.perf_counter()
        text = validate_question(question, self.settings.max_question_chars)
        lang = lang if lang in ("uk", "en") else detect_language(text, default="uk")
        refs = find_references(text) if self.retriever.use_router else []
        follow = follow_up_paragraph(text)
        if follow and context_article and not refs:
            refs = [Reference(context_article, follow)]
        retrieval = self.retriever.retrieve(text, lang, self.settings.top_k, filters, refs)
        t_retrieved = time.perf_counter()
        answer = self._answer(retrieval, qid)
        answer.timings_ms = {
            "retrieve": round((t_retrieved - started) * 1000, 2),
            "answer": round((time.perf_counter() - t_retrieved) * 1000, 2),
            "total": round((time.perf_counter() - started) * 1000, 2),
        }
        return answer

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
            missing = ", ".join(provision_label(r.article, r.paragraph, r.subparagraph, lang) for r in retrieval.missing_references)
            return self._abstain(retrieval, qid, templates["missing_reference"].format(reference=missing),
                                 f"no such provision: {missing}")
        if not routed and grounding_score(retrieval) < self.settings.abstain_threshold:
            return self._abstain(retrieval, qid, templates["abstain"], "the corpus does not cover the question")
        text, citations = self.answerer.compose(retrieval)
        problems = unsupported(citations, {h.chunk.chunk_id for h in retrieval.hits},
                               {h.chunk.chunk_id: h.chunk.text for h in retrieval.hits})
        if problems or not citations:
            return self._abstain(retrieval, qid, templates["abstain"],
                                 "; ".join(problems) or "the answerer found nothing to cite")
        return Answer(retrieval.question, lang, text, False, citations, retrieval.hits, id=qid)

    def _abstain(self, retrieval: Retrieval, qid: str | None, message: str, reason: str) -> Answer:
        lang = retrieval.lang
        templates = load_templates(self.settings.prompts_dir, "extractive", lang)
        see_also = [SeeAlso(label(h.chunk, lang), h.chunk.chunk_id, title(h.chunk, lang))
                    for h in retrieval.hits[:SEE_ALSO_COUNT]]
        if see_also:
            items = "; ".join(f"{s.label} ({s.title})" for s in see_also)
            message = f"{message}\n{templates['see_also'].format(items=items)}"
        return Answer(retrieval.question, lang, message, True, [], retrieval.hits, see_also, id=qid, reason=reason)

