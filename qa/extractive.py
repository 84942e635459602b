"""The default answerer: picks the sentences that answer the question from the top chunks and frames
them with templates; it never writes a word of law that is not in the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunks import Chunk
from .citations import Citation, label, title
from .config import Settings
from .index import Index
from .lexicon import query_terms, uk_terms
from .prompts import load_templates
from .retrieval import Hit, Retrieval

_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[А-ЯІЇЄҐA-Z“«(])|\n")
WHOLE_CHUNK_CHARS = 420
RELATED_SCORE_RATIO = 0.85


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def best_quote(chunk: Chunk, terms: list[str], idf: dict[str, float]) -> Quote:
    """The sentence carrying most of the question's weight; the whole chunk when it is short."""
    text = chunk.text
    if len(text) <= WHOLE_CHUNK_CHARS:
        return Quote(text, 0, len(text))
    wanted = {t: idf.get(t, 0.0) for t in dict.fromkeys(terms)}
    best, best_score = None, -1.0
    for start, end in sentence_spans(text):
        sentence_terms = set(uk_terms(text[start:end]))
        score = sum(w for t, w in wanted.items() if t in sentence_terms)
        if score > best_score + 1e-9:
            best, best_score = (start, end), score
    start, end = best if best else (0, len(text))
    if end - start < 120:  # a bare list item or intro line reads better with its neighbour
        spans = sentence_spans(text)
        i = spans.index((start, end))
        if i + 1 < len(spans):
            end = spans[i + 1][1]
    return Quote(text[start:end].strip(), start, end)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, index: Index, settings: Settings):
        self.index, self.settings = index, settings

    def choose(self, retrieval: Retrieval) -> list[Hit]:
        """The hits worth citing: routed ones first, then those scoring close to the best."""
        hits = retrieval.hits
        if not hits:
            return []
        routed = [h for h in hits if h.routed]
        limit = self.settings.max_citations
        if routed:
            return routed[:limit]
        top = hits[0].score
        chosen = [hits[0]]
        for hit in hits[1:]:
            if len(chosen) >= limit or hit.score < RELATED_SCORE_RATIO * top:
                break
            chosen.append(hit)
        return chosen

    def compose(self, retrieval: Retrieval) -> tuple[str, list[Citation]]:
        lang = retrieval.lang
        templates = load_templates(self.settings.prompts_dir, "extractive", lang)
        terms = [t for t in query_terms(retrieval.question, lang) if not t.startswith("en:")]
        citations: list[Citation] = []
        lines: list[str] = []
        for marker, hit in enumerate(self.choose(retrieval), start=1):
            chunk = hit.chunk
            quote = best_quote(chunk, terms, self.index.bm25.idf)
            span = chunk.span_at(quote.start, quote.end)
            sub = span.label if span else None
            cite_label = label(chunk, lang, sub)
            citations.append(
                Citation(marker, chunk.source, chunk.article, chunk.paragraph, sub, cite_label, chunk.chunk_id,
                         quote.text, title(chunk, lang), chunk.part)
            )
            template = templates["lead"] if marker == 1 else templates["more"]
            lines.append(template.format(label=cite_label, title=title(chunk, lang), marker=marker, quote=quote.text))
        if lines and templates.get("quote_note"):
            lines.append(templates["quote_note"])
        return "\n".join(lines), citations
