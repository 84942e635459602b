"""The default answerer: picks the sentences that answer the question from the top chunks and frames
them with templates; it never writes a word of law that is not in the corpus.

A quote is a whole rule: whole sentences, and when a sentence introduces items ("… on the basis of:")
the items with it, never a fragment that starts mid-rule or stops at a colon. When the question asks
for a value (a period, an age, a number, a date), the answer opens with that value, verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..config import Settings
from ..indexing.index import Index
from ..retrieval.analysis import Question
from ..retrieval.hybrid import Hit, Retrieval
from ..sources.chunks import CONVENTION, Chunk
from ..sources.lexicon import en_terms, uk_terms
from .citations import Citation, label, title, version
from .prompts import load_templates

_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[А-ЯІЇЄҐA-Z“«\"(])")
_MARKER_ONLY = re.compile(r"^\s*(?:\d+|[a-z]|[ivx]+)\.\s*$")
_ITEM = re.compile(r"^\s*(?:\(?[a-z]\)|[a-z]\.|\(?[ivx]+\)|[ivx]+\.|–|-)\s")
WHOLE_CHUNK_CHARS = 420
HEADING_CHARS = 60  # a colon-ended sentence shorter than this introduces items without stating a rule
RELATED_SCORE_RATIO = 0.85
SCENARIO_SCORE_RATIO = 0.7
SCENARIO_CITATIONS = 4


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of a chunk: lines (paragraph bodies and items) cut at sentence ends."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for m in _SENTENCE_END.finditer(line):
            if _MARKER_ONLY.match(line[start : m.start()]):
                continue  # "2. Якщо …": a paragraph number is not a sentence of its own
            if line[start : m.start()].strip():
                spans.append((offset + start, offset + m.start()))
            start = m.end()
        if line[start:].strip():
            spans.append((offset + start, offset + len(line)))
        offset += len(line) + 1
    return spans


def rule_units(text: str) -> list[tuple[int, int]]:
    """Quotable units: a sentence, or a sentence ending in a colon together with the items it introduces.
    A bare heading ("For the purposes of this Convention:") carries no rule of its own: its items
    (the definitions) are units by themselves."""
    units: list[tuple[int, int]] = []
    spans = sentence_spans(text)
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i + 1
        intro = text[start:end].rstrip()
        if intro.endswith(":") and len(intro) >= HEADING_CHARS:
            while j < len(spans) and _ITEM.match(text[spans[j][0] : spans[j][1]] + " "):
                end = spans[j][1]
                j += 1
        units.append((start, end))
        i = j
    return units


def best_quote(text: str, weigh: Callable[[str], float]) -> Quote:
    """The unit carrying most of the question's weight (the earliest on a tie); the whole text when short."""
    if len(text) <= WHOLE_CHUNK_CHARS:
        return Quote(text, 0, len(text))
    best, best_score = None, -1.0
    for start, end in rule_units(text):
        if text[start:end].rstrip().endswith(":"):
            continue  # a bare heading ("For the purposes of this Convention:") states no rule
        score = weigh(text[start:end])
        if score > best_score + 1e-9:
            best, best_score = (start, end), score
    start, end = best if best else (0, len(text))
    return Quote(text[start:end].strip(), start, end)


def quoted_text(chunk: Chunk, lang: str) -> str:
    """The version of a provision an answer in `lang` quotes: the authentic English for English answers."""
    return version(chunk, lang)


def parallel_quotes(chunk: Chunk, quote: Quote, on_english: bool) -> tuple[tuple[str, str], ...]:
    """The same span in both versions: the whole text, the same sub-paragraph, or the same rule unit
    when both versions cut into as many; else the other version whole (always verbatim)."""
    if not chunk.text_en:
        return (("uk", quote.text),)
    here, there = (chunk.text_en, chunk.text) if on_english else (chunk.text, chunk.text_en)
    here_spans, there_spans = (chunk.spans_en, chunk.spans) if on_english else (chunk.spans, chunk.spans_en)
    other = there
    if (quote.start, quote.end) != (0, len(here)):
        units_here, units_there = rule_units(here), rule_units(there)
        same = [s for s in here_spans if here[s.start : s.end].strip() == quote.text]
        twin = [t for t in there_spans if same and t.label == same[0].label]
        if twin:
            other = there[twin[0].start : twin[0].end]
        elif len(units_here) == len(units_there) and (quote.start, quote.end) in units_here:
            start, end = units_there[units_here.index((quote.start, quote.end))]
            other = there[start:end]
    pair = {"en": quote.text, "uk": other.strip()} if on_english else {"uk": quote.text, "en": other.strip()}
    return (("uk", pair["uk"]), ("en", pair["en"]))


_NUMBER_WORDS = (r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|eighteen|twenty|thirty|sixty|ninety|"
                 r"один|одного|одна|одну|два|двох|три|трьох|чотири|чотирьох|п’ять|п’яти|шість|шести|сім|семи|"
                 r"вісім|восьми|дев’ять|дев’яти|десять|десяти|двадцять|шістдесят|шістдесяти|дев’яносто")
_UNITS = {
    "period": r"днів|дні|день|місяц\w*|рок\w*|років|days?|months?|years?",
    "age": r"років|рок\w*|years?",
    "number": r"Держав\w*|держав\w*|Сторін|State\w*|Part\w*|members?|член\w*|днів|місяц\w*|days?|months?",
}
_DATE = re.compile(r"\b\d{1,2}\.\d{2}\.\d{4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?[A-Za-zА-Яа-яіїєґ’]+\s+\d{4}\b")


def asked_value(kind: str | None, text: str) -> str | None:
    """The value a question of this kind asks for, verbatim from `text` (None when it has none)."""
    if kind in _UNITS:
        m = re.search(rf"(?:(?:at\s+least|up\s+to\s+a\s+maximum\s+of|a\s+maximum\s+of|not\s+less\s+than|"
                      rf"максимальним\s+терміном\s+у|не\s+менше\s+ніж|до)\s+)?(?:{_NUMBER_WORDS})\s+(?:{_UNITS[kind]})\b",
                      text, re.IGNORECASE)
        return m.group(0) if m else None
    if kind == "date":
        m = _DATE.search(text)
        return m.group(0) if m else None
    return None


def weigher(idf: dict[str, float], query: Question, lang: str) -> Callable[[str], float]:
    """How much of the question a sentence in `lang` carries: IDF of the question's terms found in it."""
    if lang == "en" and query.en_stems:
        wanted = {t: idf.get(t, 1.0) for t in query.en_stems}
        return lambda sentence: sum(w for t in set(en_terms(sentence)) if (w := wanted.get(t)))
    wanted = {t: idf.get(t, 0.0) for t in query.uk_search}
    return lambda sentence: sum(w for t in set(uk_terms(sentence)) if (w := wanted.get(t)))


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, index: Index, settings: Settings):
        self.index, self.settings = index, settings

    def choose(self, retrieval: Retrieval) -> list[Hit]:
        """The hits worth citing: routed ones first; for a scenario one per article, most relevant first;
        otherwise those scoring close to the best."""
        hits = retrieval.hits
        if not hits:
            return []
        routed = [h for h in hits if h.routed]
        limit = self.settings.max_citations
        if routed:
            return routed[:limit]
        top = hits[0].score
        if retrieval.query.is_scenario:
            chosen: dict[str, Hit] = {}
            for hit in hits:
                if len(chosen) >= max(limit, SCENARIO_CITATIONS) or hit.score < SCENARIO_SCORE_RATIO * top:
                    break
                chosen.setdefault(hit.chunk.part, hit)
            return list(chosen.values())
        chosen_list = [hits[0]]
        for hit in hits[1:]:
            if len(chosen_list) >= limit or hit.score < RELATED_SCORE_RATIO * top:
                break
            chosen_list.append(hit)
        return chosen_list

    def quote(self, chunk: Chunk, retrieval: Retrieval, lang: str) -> Quote:
        """The sub-paragraph the question names ("Article 1(d)"), else the unit that carries the question."""
        text = quoted_text(chunk, lang)
        quote_lang = "en" if text is not chunk.text else "uk"
        spans = chunk.spans_en if quote_lang == "en" else chunk.spans
        for ref in retrieval.references:
            if (ref.article == chunk.article and (ref.act or CONVENTION) == chunk.source and ref.subparagraph
                    and ref.paragraph in (None, chunk.paragraph)):
                named = [s for s in spans if s.label == ref.subparagraph]
                if named:
                    return Quote(text[named[0].start : named[0].end].strip(), named[0].start, named[0].end)
        return best_quote(text, weigher(self.index.bm25.idf, retrieval.query, quote_lang))

    def compose(self, retrieval: Retrieval) -> tuple[str, list[Citation]]:
        lang = retrieval.lang
        templates = load_templates(self.settings.prompts_dir, "extractive", lang)
        citations: list[Citation] = []
        lines: list[str] = []
        chosen = self.choose(retrieval)
        if retrieval.query.is_scenario and len(chosen) > 1:
            lines.append(templates["scenario_intro"])
        for marker, hit in enumerate(chosen, start=1):
            chunk = hit.chunk
            quote = self.quote(chunk, retrieval, lang)
            on_english = quoted_text(chunk, lang) is not chunk.text
            span = chunk.span_en_at(quote.start, quote.end) if on_english else chunk.span_at(quote.start, quote.end)
            sub = span.label if span else None
            cite_label = label(chunk, lang, sub)
            citations.append(
                Citation(marker, chunk.source, chunk.article, chunk.paragraph, sub, cite_label, chunk.chunk_id,
                         quote.text, title(chunk, lang), chunk.part, parallel_quotes(chunk, quote, on_english))
            )
            if marker == 1 and (value := asked_value(retrieval.query.asks, quote.text)):
                lines.insert(0, templates["asked"].format(value=value, label=cite_label))
            template = templates["lead"] if marker == 1 else templates["more"]
            lines.append(template.format(label=cite_label, title=title(chunk, lang), marker=marker, quote=quote.text))
        if any(c.source == CONVENTION for c in citations) and templates.get("quote_note"):
            lines.append(templates["quote_note"])
        return "\n".join(lines), citations
